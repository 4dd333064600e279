/* minehunt test compat: OpenAES configuration (no ISAAC PRNG, no debug stepping). */
#ifndef MINEHUNT_COMPAT_OAES_CONFIG_H
#define MINEHUNT_COMPAT_OAES_CONFIG_H
#endif
