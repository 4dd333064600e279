/*
 * minehunt: browser miners (kind "web") in HTML, JavaScript and WebAssembly.
 *
 * Embed snippets need the loader URL or constructor *and* something that starts mining, so
 * that ad-block filter lists and blog posts quoting a domain name do not fire. WebAssembly
 * miners are recognised by their export names (raw .wasm) or, when the module is inlined
 * into JavaScript as base64 ("AGFzbQ" is base64 of "\0asm"), by base64-encoded CryptoNight
 * tables, which survive minification and renaming.
 */

rule MH_WEB_CoinHive
{
    meta:
        id = "MH-YARA-050"
        family = "coinhive"
        kind = "web"
        severity = "high"
        confidence = "high"
        description = "CoinHive / AuthedMine browser miner embed (new CoinHive.Anonymous/User/Token, coinhive.min.js)"
        reference = "https://krebsonsecurity.com/2018/03/who-and-what-is-coinhive/"

    strings:
        $ctor_1 = /new\s+CoinHive\.(Anonymous|User|Token)\s*\(/
        $ctor_2 = /class=["']coinhive-captcha["']/
        $embed = /<script[^>]{0,200}src=["'][^"']{0,200}(coinhive\.com\/lib\/|coinhive\.min\.js|authedmine\.com\/lib\/|coin-hive\.com\/lib\/)/ nocase
        $use_1 = ".start("
        $use_2 = "data-key="

    condition:
        filesize < 8MB and (any of ($ctor_*) or ($embed and any of ($use_*)))
}

rule MH_WEB_CryptoLoot
{
    meta:
        id = "MH-YARA-051"
        family = "cryptoloot"
        kind = "web"
        severity = "high"
        confidence = "high"
        description = "Crypto-Loot browser miner embed (CryptoLoot.Anonymous / CRLT.Anonymous, crypta.js loader)"
        reference = "https://attack.mitre.org/techniques/T1496/"

    strings:
        $ctor_1 = /new\s+(CryptoLoot|CRLT)\.(Anonymous|User|Token)\s*\(/
        $lib_1 = "crypto-loot.com/lib/" nocase
        $lib_2 = "statdynamic.com/lib/" nocase
        $lib_3 = "cryptoloot.pro" nocase
        $lib_4 = "webmine.pro" nocase
        $use_1 = ".start("
        $use_2 = "<script" nocase

    condition:
        filesize < 8MB and ($ctor_1 or (any of ($lib_*) and all of ($use_*)))
}

rule MH_WEB_CoinIMP
{
    meta:
        id = "MH-YARA-052"
        family = "coinimp"
        kind = "web"
        severity = "high"
        confidence = "high"
        description = "CoinIMP browser miner embed (new Client.Anonymous with c:'w'/'x' coin option, hostingcloud loaders)"
        reference = "https://attack.mitre.org/techniques/T1496/"

    strings:
        $ctor = /new\s+Client\.(Anonymous|User)\s*\(\s*['"][0-9a-f]{40,80}['"]/
        $opt = /\bc\s*:\s*['"][wx]['"]/
        $lib_1 = "hostingcloud.racing" nocase
        $lib_2 = "hostingcloud.science" nocase
        $lib_3 = "coinimp.com" nocase
        $lib_4 = "freecontent.date" nocase
        $lib_5 = "freecontent.stream" nocase

    condition:
        filesize < 8MB and $ctor and ($opt or any of ($lib_*))
}

rule MH_WEB_DeepMiner
{
    meta:
        id = "MH-YARA-053"
        family = "deepminer"
        kind = "web"
        severity = "high"
        confidence = "high"
        description = "deepMiner self-hosted browser miner (deepMiner.Anonymous/Init, deepMiner.js)"
        reference = "https://github.com/deepwn/deepMiner"

    strings:
        $ctor = /new\s+deepMiner\.(Anonymous|Init|User)\s*\(/
        $lib = "deepMiner.js"
        $use = ".start("

    condition:
        filesize < 8MB and ($ctor or ($lib and $use))
}

rule MH_WEB_WebMinerPool
{
    meta:
        id = "MH-YARA-054"
        family = "webminerpool"
        kind = "web"
        severity = "high"
        confidence = "high"
        description = "webminerpool browser miner (webmr.js, startMining(pool, wallet), throttleMiner)"
        reference = "https://github.com/notgiven688/webminerpool"

    strings:
        $start = /startMining\s*\(\s*["'][a-z0-9.-]+["']\s*,\s*["'][^"']{20,}["']/
        $s_1 = "webmr.js"
        $s_2 = "throttleMiner"
        $s_3 = "stopMining("
        $s_4 = "webminerpool"
        $s_5 = "totalhashes"

    condition:
        filesize < 8MB and $start and any of ($s_*)
}

rule MH_WEB_JSEcoin
{
    meta:
        id = "MH-YARA-055"
        family = "jsecoin"
        kind = "web"
        severity = "high"
        confidence = "high"
        description = "JSEcoin browser mining loader (load.jsecoin.com/load/ injected script)"
        reference = "https://attack.mitre.org/techniques/T1496/"

    strings:
        $load = "load.jsecoin.com/load/" nocase
        $inj_1 = "createElement(\"script\")"
        $inj_2 = "createElement('script')"
        $inj_3 = "<script" nocase

    condition:
        filesize < 8MB and $load and any of ($inj_*)
}

rule MH_WEB_Minero
{
    meta:
        id = "MH-YARA-056"
        family = "minero"
        kind = "web"
        severity = "high"
        confidence = "high"
        description = "Minero.cc browser miner embed (minero.cc/lib loader with data-key element)"
        reference = "https://attack.mitre.org/techniques/T1496/"

    strings:
        $lib = /minero\.cc\/lib\/minero[a-z-]*\.min\.js/ nocase
        $el_1 = "data-key="
        $el_2 = "minero-hidden"
        $el_3 = /new\s+Minero\./

    condition:
        filesize < 8MB and $lib and any of ($el_*)
}

rule MH_WEB_CryptoNoter
{
    meta:
        id = "MH-YARA-057"
        family = "cryptonoter"
        kind = "web"
        severity = "high"
        confidence = "high"
        description = "CryptoNoter self-hosted browser miner (CryptoNoter.Anonymous / processor.js)"
        reference = "https://github.com/cryptonoter/CryptoNoter"

    strings:
        $ctor = /new\s+CryptoNoter\.(Anonymous|User)\s*\(/
        $name = "CryptoNoter"
        $s_1 = "processor.js"
        $s_2 = ".start("
        $s_3 = "autoThreads"

    condition:
        filesize < 8MB and ($ctor or ($name and 2 of ($s_*)))
}

rule MH_WEB_WebMinePool
{
    meta:
        id = "MH-YARA-058"
        family = "webminepool"
        kind = "web"
        severity = "high"
        confidence = "high"
        description = "WebMinePool browser miner embed (WMP.Anonymous/User, webminepool.com/lib/base.js)"
        reference = "https://attack.mitre.org/techniques/T1496/"

    strings:
        $ctor = /WMP\.(Anonymous|User)\s*\(\s*['"]SK_/
        $lib = "webminepool.com/lib/" nocase
        $use = ".start("

    condition:
        filesize < 8MB and ($ctor or ($lib and $use))
}

rule MH_WEB_CoinHive_API_Clone
{
    meta:
        id = "MH-YARA-059"
        family = "coinhive-clone"
        kind = "web"
        severity = "high"
        confidence = "medium"
        description = "Browser miner exposing the CoinHive miner API (getHashesPerSecond, getAcceptedHashes, setThrottle, didOptOut, ...)"
        reference = "https://attack.mitre.org/techniques/T1496/"

    strings:
        $api_1 = "getHashesPerSecond"
        $api_2 = "getTotalHashes"
        $api_3 = "getAcceptedHashes"
        $api_4 = "setThrottle"
        $api_5 = "didOptOut"
        $api_6 = "hasWASMSupport"
        $api_7 = "setAutoThreadsEnabled"
        $api_8 = "getAutoThreadsEnabled"
        $api_9 = "setNumThreads"

    condition:
        filesize < 8MB and 4 of ($api_*)
}

rule MH_WEB_Inline_WASM_Miner
{
    meta:
        id = "MH-YARA-060"
        family = "generic"
        kind = "web"
        severity = "high"
        confidence = "medium"
        description = "JavaScript inlining a base64 WebAssembly module next to CryptoNote pool job handling (blob/job_id/target, hashrate)"
        reference = "https://attack.mitre.org/techniques/T1496/"

    strings:
        $wasm = "AGFzbQ"
        $job_1 = "job_id"
        $job_2 = /["']?blob["']?\s*:/
        $job_3 = /["']?target["']?\s*:/
        $m_1 = "cryptonight" nocase
        $m_2 = "hashesPerSecond" nocase
        $m_3 = "throttle"
        $m_4 = "stratum" nocase
        $m_5 = "cn_hash"
        $m_6 = "hash_cn"
        $m_7 = "randomx" nocase

    condition:
        filesize < 16MB and $wasm and $job_1 and any of ($job_2, $job_3) and 2 of ($m_*)
}

rule MH_WEB_Inline_WASM_CryptoNight
{
    meta:
        id = "MH-YARA-061"
        family = "cryptonight"
        kind = "web"
        severity = "high"
        confidence = "high"
        description = "JavaScript inlining a base64 WebAssembly module that holds CryptoNight tables (Keccak, AES and two of Groestl/JH/Skein/BLAKE-256)"
        reference = "https://xmrig.com/docs/algorithms"

    strings:
        $wasm = "AGFzbQ"
        $keccak = "\x01\x00\x00\x00\x00\x00\x00\x00\x82\x80\x00\x00\x00\x00\x00\x00\x8a\x80\x00\x00\x00\x00\x00\x80" base64
        $aes_sbox = "\x63\x7c\x77\x7b\xf2\x6b\x6f\xc5\x30\x01\x67\x2b\xfe\xd7\xab\x76" base64
        $aes_t0 = "\xc6\x63\x63\xa5\xf8\x7c\x7c\x84\xee\x77\x77\x99\xf6\x7b\x7b\x8d" base64
        $groestl = "\xc6\x32\xf4\xa5\xf4\x97\xa5\xc6\xf8\x6f\x97\x84\x97\xeb\x84\xf8" base64
        $jh = "\x72\xd5\xde\xa2\xdf\x15\xf8\x67\x7b\x84\x15\x0a\xb7\x23\x15\x57" base64
        $skein = "\x13\x3e\xdb\x2f\xa1\x44\xd0\xcc\xeb\xa9\x79\x1a\x30\x90\x35\xe8" base64
        $blake_sigma = "\x0a\x02\x08\x04\x07\x06\x01\x05\x0f\x0b\x09\x0e\x03\x0c\x0d\x00\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x0e\x0a\x04\x08\x09\x0f\x0d\x06\x01\x0c\x00\x02\x0b\x07\x05\x03\x0b\x08\x0c\x00\x05\x02\x0f\x0d" base64

    condition:
        filesize < 16MB and $wasm and $keccak and any of ($aes_*)
        and 2 of ($groestl, $jh, $skein, $blake_sigma)
}

rule MH_WEB_WASM_Miner_Exports
{
    meta:
        id = "MH-YARA-062"
        family = "generic"
        kind = "web"
        severity = "high"
        confidence = "high"
        description = "WebAssembly module exporting CryptoNight/RandomX/Argon2-Chukwa hashing entry points"
        reference = "https://attack.mitre.org/techniques/T1496/"

    strings:
        $e_1 = "cryptonight_hash"
        $e_2 = "cn_slow_hash"
        $e_3 = "cryptonight_create"
        $e_4 = "hash_cn"
        $e_5 = "randomx_calculate_hash"
        $e_6 = "randomx_create_vm"
        $e_7 = "chukwa_slow_hash"
        $e_8 = "cn_fast_hash"

    condition:
        uint32(0) == 0x6D736100 and any of ($e_*)
}

rule MH_WEB_Pool_WebSocket_Protocol
{
    meta:
        id = "MH-YARA-063"
        family = "generic"
        kind = "web"
        severity = "high"
        confidence = "medium"
        description = "Browser miner talking the CoinHive-style pool protocol over WebSocket (auth with site_key, job, submit with nonce/result)"
        reference = "https://attack.mitre.org/techniques/T1496/"

    strings:
        $ws = "WebSocket"
        $auth = "site_key"
        $t_1 = /type["']?\s*:\s*["']auth["']/
        $t_2 = /type["']?\s*:\s*["']submit["']/
        $t_3 = /["']job["']/
        $f_1 = "job_id"
        $f_2 = "nonce"
        $f_3 = "hashes"

    condition:
        filesize < 8MB and $ws and $auth and 2 of ($t_*) and 2 of ($f_*)
}
