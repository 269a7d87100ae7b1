/* thread_ids.c — every thread has its own thread id for its whole life
 * (gettid and syscall(SYS_gettid) agree, differ between threads and from the
 * main thread's, which is the process id), and the calls that take a thread
 * id or a pthread_t act on a live thread: tgkill, pthread_kill and
 * pthread_sigqueue run the handler in the thread named; the affinity,
 * scheduling, priority and CPU-clock calls answer; /proc/self/task/ID opens.
 * Once a thread has been joined its id names nothing: ESRCH and ENOENT. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "os_threads.h"

enum { kThreads = 4 };

static pthread_barrier_t ready;
static pid_t ids[kThreads];
static char results[kThreads][400];

static __thread volatile pid_t handled_in; /* the id the handler saw, in the thread it ran in */
static __thread volatile int queued_value;

static void on_signal(int sig, siginfo_t* info, void* ctx) {
  (void)ctx;
  handled_in = (pid_t)syscall(SYS_gettid);
  if (sig == SIGUSR2 && info->si_code == SI_QUEUE) queued_value = info->si_value.sival_int;
}

static int proc_entry_opens(pid_t id) {
  char path[64];
  snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)id);
  int fd = open(path, O_RDONLY);
  if (fd < 0) return -errno;
  close(fd);
  return 1;
}

static void* run(void* arg) {
  int i = (int)(long)arg;
  pid_t me = gettid();
  ids[i] = me;
  int agree = me == (pid_t)syscall(SYS_gettid);
  usleep(2000); /* others run meanwhile: the id stays */
  int stable = me == gettid();

  handled_in = 0;
  int tg = tgkill(getpid(), me, SIGUSR1);
  int by_tgkill = tg == 0 && handled_in == me;
  handled_in = 0;
  int by_raw = syscall(SYS_tgkill, getpid(), me, SIGUSR1) == 0 && handled_in == me;
  handled_in = 0;
  int by_pthread_kill = pthread_kill(pthread_self(), SIGUSR1) == 0 && handled_in == me;
  union sigval v = {.sival_int = 40 + i};
  int by_sigqueue = pthread_sigqueue(pthread_self(), SIGUSR2, v) == 0 && queued_value == 40 + i;

  cpu_set_t by_id, by_self, by_pthread;
  int affinity = sched_getaffinity(me, sizeof by_id, &by_id) == 0 &&
                 sched_getaffinity(0, sizeof by_self, &by_self) == 0 &&
                 pthread_getaffinity_np(pthread_self(), sizeof by_pthread, &by_pthread) == 0 &&
                 CPU_EQUAL(&by_id, &by_self) && CPU_EQUAL(&by_id, &by_pthread) && CPU_COUNT(&by_id) > 0 &&
                 pthread_setaffinity_np(pthread_self(), sizeof by_pthread, &by_pthread) == 0;
  int policy = -1;
  struct sched_param sp = {.sched_priority = -1};
  int sched = pthread_getschedparam(pthread_self(), &policy, &sp) == 0 && policy == SCHED_OTHER &&
              sp.sched_priority == 0 && sched_getscheduler(me) == SCHED_OTHER &&
              pthread_setschedprio(pthread_self(), 0) == 0;
  errno = 0;
  int nice = getpriority(PRIO_PROCESS, (id_t)me);
  int prio = errno == 0 && nice == getpriority(PRIO_PROCESS, 0);
  clockid_t clock;
  struct timespec cpu;
  int cpuclock = pthread_getcpuclockid(pthread_self(), &clock) == 0 && clock_gettime(clock, &cpu) == 0;
  int proc = proc_entry_opens(me);

  snprintf(results[i], sizeof results[i],
           "thread %d: gettid and SYS_gettid agree %d, stable %d, not the process id %d; handler in this thread "
           "by tgkill %d, raw tgkill %d, pthread_kill %d, pthread_sigqueue %d; affinity %d, scheduling %d, "
           "priority %d, cpu clock %d, /proc/self/task/ID %d",
           i, agree, stable, me != getpid(), by_tgkill, by_raw, by_pthread_kill, by_sigqueue, affinity, sched, prio,
           cpuclock, proc);
  note_os_threads("threads");
  pthread_barrier_wait(&ready);
  return NULL;
}

/* gone: the id of a joined thread names nothing. The kernel may take a moment
 * to release an exited thread natively: retried for up to 2 s. */
static void gone(pid_t id) {
  int kill_esrch = 0, affinity_esrch = 0, proc_enoent = 0;
  for (int tries = 0; tries < 200 && !(kill_esrch && affinity_esrch && proc_enoent); ++tries) {
    cpu_set_t set;
    kill_esrch = tgkill(getpid(), id, 0) == -1 && errno == ESRCH;
    affinity_esrch = sched_getaffinity(id, sizeof set, &set) == -1 && errno == ESRCH;
    proc_enoent = proc_entry_opens(id) == -ENOENT;
    if (!(kill_esrch && affinity_esrch && proc_enoent)) usleep(10000);
  }
  printf("joined thread's id: tgkill ESRCH %d, sched_getaffinity ESRCH %d, /proc/self/task/ID ENOENT %d\n", kill_esrch,
         affinity_esrch, proc_enoent);
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_signal;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGUSR1, &sa, NULL);
  sigaction(SIGUSR2, &sa, NULL);
  printf("main: gettid is the process id %d\n", gettid() == getpid() && syscall(SYS_gettid) == getpid());

  pthread_barrier_init(&ready, NULL, kThreads + 1);
  pthread_t t[kThreads];
  for (int i = 0; i < kThreads; ++i) pthread_create(&t[i], NULL, run, (void*)(long)i);
  pthread_barrier_wait(&ready);
  int distinct = 1;
  for (int i = 0; i < kThreads; ++i)
    for (int j = 0; j < i; ++j) distinct &= ids[i] != ids[j];
  for (int i = 0; i < kThreads; ++i) puts(results[i]);
  printf("ids distinct %d\n", distinct);
  for (int i = 0; i < kThreads; ++i) pthread_join(t[i], NULL);
  gone(ids[0]);
  return 0;
}
