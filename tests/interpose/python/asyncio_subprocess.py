# asyncio.create_subprocess_exec: the child's output and exit status come back.
import asyncio
async def main():
    p = await asyncio.create_subprocess_exec("sh", "-c", "echo from child; exit 3", stdout=asyncio.subprocess.PIPE)
    out, _ = await asyncio.wait_for(p.communicate(), 10)
    print(out.decode().strip(), p.returncode)
asyncio.run(main())
