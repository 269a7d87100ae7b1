// threads/thread_exit.cpp — pthread_exit and cancellation for green threads, and the
// C cleanup handlers (pthread_cleanup_push in C without -fexceptions).
//
// glibc ends a thread by a forced unwind of its stack: C++ destructors and
// catch(...) blocks run (the latter must rethrow), and at each frame that
// registered a C cleanup handler the unwinder longjmps into it; the handler
// then calls __pthread_unwind_next to go on. A green thread does the same on
// its greenlet's stack, with a stop function that knows the handlers this
// greenlet registered (they cannot live in the OS thread's descriptor, which
// all green threads of the thread share) and ends the unwind at the thread's
// start (run_thread's setjmp), never past it.
#include <pthread.h>
#include <setjmp.h>
#include <unwind.h>

#include <cstdio>
#include <cstdlib>

#include "gate/real.h"
#include "threads/threads.h"

namespace gt = green::interpose::threads;

namespace {

// The registered handlers form a list through the buffer's spare words.
void*& next_of(void* buf) { return static_cast<__pthread_unwind_buf_t*>(buf)->__pad[0]; }

constexpr _Unwind_Exception_Class kClass = 0x47524e5445584954ull;  // "GRNTEXIT"

[[noreturn]] void swallowed(_Unwind_Reason_Code, _Unwind_Exception*) {
  // A catch (...) ended without rethrowing: the thread would go on after
  // pthread_exit. glibc aborts in the same case.
  std::fputs(
      "green: FATAL: pthread_exit/pthread_cancel unwinding was caught by catch (...) and not rethrown; "
      "rethrow it (throw;) from catch (...) blocks\n",
      stderr);
  std::abort();
}

_Unwind_Reason_Code stop(int, _Unwind_Action actions, _Unwind_Exception_Class, _Unwind_Exception*, _Unwind_Context* ctx,
                         void* param) {
  auto* t = static_cast<gt::GreenThread*>(param);
  auto cfa = static_cast<std::uintptr_t>(_Unwind_GetCFA(ctx));
  bool end = (actions & _UA_END_OF_STACK) || cfa >= reinterpret_cast<std::uintptr_t>(t->exit_frame);
  // The innermost handler's frame is reached once the unwind passes its buffer.
  if (t->cleanup && (end || reinterpret_cast<std::uintptr_t>(t->cleanup) < cfa)) {
    void* buf = t->cleanup;
    t->cleanup = next_of(buf);
    // The buffer starts like a jmp_buf set by __sigsetjmp without a saved mask.
    siglongjmp(reinterpret_cast<__jmp_buf_tag*>(static_cast<__pthread_unwind_buf_t*>(buf)->__cancel_jmp_buf), 1);
  }
  if (end) longjmp(t->exit_jmp, 1);
  return _URC_NO_REASON;
}

[[noreturn]] void unwind(gt::GreenThread* t) {
  t->unwind.exception_class = kClass;
  t->unwind.exception_cleanup = swallowed;
  _Unwind_ForcedUnwind(&t->unwind, stop, t);
  // Only when the unwinder itself failed (no unwind tables): end here.
  longjmp(t->exit_jmp, 1);
}

}  // namespace

namespace green::interpose::threads {

void exit_thread(GreenThread* t, void* value) {
  t->result = value;
  t->exiting = true;
  t->cancel_pending = false;
  unwind(t);
}

}  // namespace green::interpose::threads

extern "C" {

void __pthread_register_cancel(__pthread_unwind_buf_t* buf) {
  gt::GreenThread* t = gt::on() ? gt::current() : nullptr;
  if (!t) return REAL(__pthread_register_cancel)(buf);
  next_of(buf) = t->cleanup;
  t->cleanup = buf;
}

void __pthread_unregister_cancel(__pthread_unwind_buf_t* buf) {
  gt::GreenThread* t = gt::on() ? gt::current() : nullptr;
  if (!t) return REAL(__pthread_unregister_cancel)(buf);
  t->cleanup = next_of(buf);
}

void __pthread_unwind_next(__pthread_unwind_buf_t* buf) {
  gt::GreenThread* t = gt::on() ? gt::current() : nullptr;
  if (!t || !t->exiting) {
    REAL(__pthread_unwind_next)(buf);
    std::abort();  // noreturn
  }
  unwind(t);
}

}  // extern "C"
