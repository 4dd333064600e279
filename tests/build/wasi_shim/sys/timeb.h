/* minehunt test shim: wasi-libc has no <sys/timeb.h> or getpid(); the sdist's OpenAES only
 * uses them to seed rand(), which CryptoNight never calls, so the clang fallback maps them. */
#ifndef MINEHUNT_WASI_SYS_TIMEB_H
#define MINEHUNT_WASI_SYS_TIMEB_H

#include <time.h>
#include <unistd.h>

struct timeb {
  time_t time;
  unsigned short millitm;
  short timezone;
  short dstflag;
};

static inline int ftime(struct timeb *tp) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  tp->time = ts.tv_sec;
  tp->millitm = (unsigned short)(ts.tv_nsec / 1000000);
  tp->timezone = 0;
  tp->dstflag = 0;
  return 0;
}

#define getpid() 0

#endif
