/* minehunt test compat: JH API types for the sdist's c_jh.c. */
#ifndef MINEHUNT_COMPAT_C_JH_H
#define MINEHUNT_COMPAT_C_JH_H

typedef unsigned char BitSequence;
typedef unsigned long long DataLength;
typedef enum { SUCCESS = 0, FAIL = 1, BAD_HASHLEN = 2 } HashReturn;

HashReturn jh_hash(int hashbitlen, const BitSequence *data, DataLength databitlen,
                   BitSequence *hashval);

#endif
