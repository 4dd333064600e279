/*
 * minehunt: miner configuration files and pool credentials (kind "config").
 *
 * A miner needs to be told where to mine and for whom, so its configuration is often the
 * most stable artefact of a campaign. The JSON rules need the quoted key names as they
 * appear in the file; the credential rule needs a real-looking wallet next to a pool.
 */

rule MH_CFG_XMRig_JSON
{
    meta:
        id = "MH-YARA-020"
        family = "xmrig"
        kind = "config"
        severity = "high"
        confidence = "high"
        description = "XMRig-style config.json: pools[] with url/user plus miner tuning keys (donate-level, randomx, huge-pages, ...)"
        reference = "https://xmrig.com/docs/miner/config"

    strings:
        $pools = "\"pools\""
        $url = "\"url\""
        $user = "\"user\""
        // keys only miner configs use
        $k_1 = "\"donate-level\""
        $k_2 = "\"donate-over-proxy\""
        $k_3 = "\"randomx\""
        $k_4 = "\"huge-pages\""
        $k_5 = "\"max-threads-hint\""
        $k_6 = "\"rig-id\""
        $k_7 = "\"nicehash\""
        $k_8 = "\"1gb-pages\""
        $k_9 = "\"huge-pages-jit\""
        $k_10 = "\"argon2-impl\""
        $k_11 = "\"tls-fingerprint\""
        $k_12 = "\"memory-pool\""
        $k_13 = "\"wrmsr\""
        $k_14 = "\"max-cpu-usage\""
        // keys other JSON files use too
        $g_1 = "\"cpu\""
        $g_2 = "\"opencl\""
        $g_3 = "\"cuda\""
        $g_4 = "\"algo\""
        $g_5 = "\"coin\""
        $g_6 = "\"keepalive\""
        $g_7 = "\"daemon\""

    condition:
        filesize < 2MB and $pools and $url and $user
        and (3 of ($k_*) or (2 of ($k_*) and 2 of ($g_*)))
}

rule MH_CFG_XMR_Stak
{
    meta:
        id = "MH-YARA-021"
        family = "xmr-stak"
        kind = "config"
        severity = "high"
        confidence = "high"
        description = "XMR-Stak pools.txt / cpu.txt configuration (pool_list with wallet_address, cpu_threads_conf)"
        reference = "https://github.com/fireice-uk/xmr-stak/blob/master/doc/usage.md"

    strings:
        $p_1 = "\"pool_list\""
        $p_2 = "\"pool_address\""
        $p_3 = "\"wallet_address\""
        $p_4 = "\"pool_password\""
        $p_5 = "\"currency\""
        $c_1 = "\"cpu_threads_conf\""
        $c_2 = "\"low_power_mode\""
        $c_3 = "\"affine_to_cpu\""
        $c_4 = "\"no_prefetch\""

    condition:
        filesize < 1MB and (3 of ($p_*) or 3 of ($c_*))
}

rule MH_CFG_CPUMiner_JSON
{
    meta:
        id = "MH-YARA-022"
        family = "cpuminer"
        kind = "config"
        severity = "high"
        confidence = "high"
        description = "cpuminer/ccminer JSON configuration (stratum URL, user, algo, threads/intensity)"
        reference = "https://github.com/tpruvot/cpuminer-multi/blob/linux/cpuminer-conf.json"

    strings:
        $url = /"url"\s*:\s*"stratum\+(tcp|ssl|tls):\/\//
        $user = /"(user|userpass)"\s*:/
        $algo = /"algo"\s*:\s*"/
        $t_1 = /"threads"\s*:/
        $t_2 = /"intensity"\s*:/
        $t_3 = /"cpu-priority"\s*:/
        $t_4 = /"cpu-affinity"\s*:/
        $t_5 = /"retry-pause"\s*:/

    condition:
        filesize < 1MB and $url and $user and $algo and any of ($t_*)
}

rule MH_CFG_Nanominer_INI
{
    meta:
        id = "MH-YARA-023"
        family = "nanominer"
        kind = "config"
        severity = "high"
        confidence = "high"
        description = "nanominer config.ini: algorithm section with wallet and pool/rigName keys"
        reference = "https://github.com/nanopool/nanominer"

    strings:
        $sect = /\[(RandomX|Ethash|Etchash|KawPow|Autolykos|Verushash|Kaspa|Karlsen|Cuckaroo30|Ubqhash|Zil)\]/
        $wallet = /\bwallet\s*=\s*\S{20,}/
        $k_1 = /\brigName\s*=/
        $k_2 = /\bpool[1-9]\s*=/
        $k_3 = /\bwebPort\s*=/
        $k_4 = /\bemail\s*=/
        $k_5 = /\bcoin\s*=/

    condition:
        filesize < 256KB and $sect and $wallet and 2 of ($k_*)
}

rule MH_CFG_Claymore_Phoenix_Pools
{
    meta:
        id = "MH-YARA-024"
        family = "phoenixminer"
        kind = "config"
        severity = "high"
        confidence = "high"
        description = "Claymore/PhoenixMiner epools.txt or config.txt (POOL/WALLET lines or -pool/-wal options)"
        reference = "https://phoenixminer.info/"

    strings:
        $epools = /POOL:\s*[^,\r\n]+,\s*WALLET:\s*[^,\r\n]+/
        $o_1 = /(^|\s)-e?pool\s+\S+/
        $o_2 = /(^|\s)-e?wal\s+\S+/
        $o_3 = /(^|\s)-worker\s+\S+/
        $o_4 = /(^|\s)-e?psw\s+\S+/
        $o_5 = /(^|\s)-coin\s+\S+/

    condition:
        filesize < 256KB and ($epools or ($o_1 and $o_2 and any of ($o_3, $o_4, $o_5)))
}

rule MH_CFG_Pool_Credentials
{
    meta:
        id = "MH-YARA-025"
        family = "generic"
        kind = "config"
        severity = "medium"
        confidence = "medium"
        description = "File pairing a mining pool (stratum URL or known pool host) with a Monero wallet address"
        reference = "https://attack.mitre.org/techniques/T1496/"

    strings:
        $xmr_wallet = /\b[48][0-9AB][1-9A-HJ-NP-Za-km-z]{93}([1-9A-HJ-NP-Za-km-z]{11})?\b/
        $stratum = /stratum\+(tcp|ssl|tls):\/\/[a-z0-9.-]+:\d{2,5}/ nocase
        $pool_1 = "supportxmr.com" nocase
        $pool_2 = "moneroocean.stream" nocase
        $pool_3 = "c3pool.com" nocase
        $pool_4 = "c3pool.org" nocase
        $pool_5 = "minexmr.com" nocase
        $pool_6 = "nanopool.org" nocase
        $pool_7 = "2miners.com" nocase
        $pool_8 = "hashvault.pro" nocase
        $pool_9 = "f2pool.com" nocase
        $pool_10 = "herominers.com" nocase
        $pool_11 = "unmineable.com" nocase
        $pool_12 = "nicehash.com" nocase
        $pool_13 = "xmrpool.eu" nocase
        $pool_14 = "minergate.com" nocase
        $pool_15 = "monerohash.com" nocase
        $pool_16 = "crypto-pool.fr" nocase
        $pool_17 = "skypool.org" nocase
        $pool_18 = "xmrfast.com" nocase
        $pool_19 = "kryptex.network" nocase
        $pool_20 = "zergpool.com" nocase

    condition:
        filesize < 4MB and $xmr_wallet and ($stratum or any of ($pool_*))
}
