# asyncio's selector loop: a signal delivered while the loop waits in select() wakes it
# (add_signal_handler uses signal.set_wakeup_fd).
import asyncio, os, signal, sys
async def main():
    loop = asyncio.get_running_loop()
    got = loop.create_future()
    loop.add_signal_handler(signal.SIGUSR1, lambda: got.set_result("SIGUSR1"))
    # The signal comes from another process while the loop sleeps in select().
    pid = os.fork()
    if pid == 0:
        import time; time.sleep(0.3); os.kill(os.getppid(), signal.SIGUSR1); os._exit(0)
    print(await asyncio.wait_for(got, 10))
    os.waitpid(pid, 0)
asyncio.set_event_loop_policy(asyncio.DefaultEventLoopPolicy())
asyncio.run(main())
