/* minehunt test compat: stand-in for cpuminer's compat.h (POSIX build needs nothing). */
#ifndef MINEHUNT_COMPAT_COMPAT_H
#define MINEHUNT_COMPAT_COMPAT_H
#endif
