/*
 * minehunt: legitimate mining-capable software (kind "legit", severity low).
 *
 * These identify software that mines by design (a node with a built-in miner, a
 * decentralised pool, the reference RandomX library) so that a scanner can explain why a
 * file also carries algorithm fingerprints, and report "mining software present" instead of
 * "cryptojacking". Whether its use is wanted is the operator's call.
 */

import "elf"

rule MH_LEG_Monero_Daemon
{
    meta:
        id = "MH-YARA-090"
        family = "monero"
        kind = "legit"
        severity = "low"
        confidence = "high"
        description = "Monero reference node/wallet (monerod, monero-wallet-cli/rpc) with its built-in and background miner"
        reference = "https://www.getmonero.org/resources/user-guides/mine-to-pool.html"

    strings:
        $n_1 = "Welcome to Monero, the private cryptocurrency"
        $n_2 = "MONERO_RANDOMX_UMASK"
        $n_3 = "donate.getmonero.org"
        $n_4 = "Monero 'Fluorine Fermi'"
        $n_5 = "monero-project"
        $m_1 = "background mining started, good luck!"
        $m_2 = "Background mining controller thread started"
        $m_3 = "Couldn't allocate RandomX mining thread"
        $m_4 = "/start_mining"
        $m_5 = "Background mining enabled. Thank you for supporting the Monero network."
        $m_6 = "mining_status"

    condition:
        any of ($n_*) and 2 of ($m_*)
}

rule MH_LEG_P2Pool
{
    meta:
        id = "MH-YARA-091"
        family = "p2pool"
        kind = "legit"
        severity = "low"
        confidence = "high"
        description = "P2Pool decentralised Monero mining pool node (binary or its log)"
        reference = "https://p2pool.io/"

    strings:
        $n_1 = "P2Pool v"
        $n_2 = "p2pool.cache"
        $n_3 = "p2pool_peers.txt"
        $s_1 = "StratumServer"
        $s_2 = "SideChain"
        $s_3 = "P2PServer"
        $s_4 = "BlockTemplate"
        $s_5 = "SHARE FOUND"
        $s_6 = "--mini"

    condition:
        any of ($n_*) and 3 of ($s_*)
}

rule MH_LEG_RandomX_Library
{
    meta:
        id = "MH-YARA-092"
        family = "randomx"
        kind = "legit"
        severity = "low"
        confidence = "high"
        description = "Reference RandomX library or binding (librandomx, python randomx): a shared object with the randomx_* C API next to the RandomX code itself"
        reference = "https://github.com/tevador/RandomX"

    strings:
        $api_1 = "randomx_alloc_cache"
        $api_2 = "randomx_init_cache"
        $api_3 = "randomx_create_vm"
        $api_4 = "randomx_calculate_hash"
        $api_5 = "randomx_alloc_dataset"
        $api_6 = "randomx_get_flags"
        // AesGenerator1R keys 0..3: programs that only link librandomx (monerod) lack them
        $code_1 = { 53 A5 AC 6D 09 66 71 62 2B 55 B5 DB 17 49 F4 B4 }
        $code_2 = { 07 AF 7C 6D 0D 71 6A 84 78 D3 25 17 4E DC A1 0D }
        $code_3 = { F1 62 12 3F C6 7E 94 9F 4F 79 C0 F4 45 E3 20 3E }
        $code_4 = { 35 81 EF 6A 7C 31 BA B1 88 4C 31 16 54 91 16 49 }

    condition:
        // A shared object only (ET_DYN without an interpreter): an executable that carries
        // the API names, e.g. an unstripped statically linked miner, is not explained.
        uint32(0) == 0x464C457F and elf.type == elf.ET_DYN
        and not for any s in elf.segments : (s.type == elf.PT_INTERP)
        and 5 of ($api_*) and 3 of ($code_*)
}
