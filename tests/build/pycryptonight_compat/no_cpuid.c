/* minehunt test compat: WebAssembly has no cpuid, so the wasm build replaces the sdist's
 * sysinfos.c with this: the portable (table-based AES) code path is always taken. */
#include <stdbool.h>

bool has_aes_ni(void) { return false; }
