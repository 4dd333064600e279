/*
 * minehunt: mining-algorithm fingerprints (kind "algorithm").
 *
 * These catch renamed, stripped or recompiled miners by the constants their proof-of-work
 * code cannot do without. Each rule asks for a combination that general-purpose crypto
 * libraries (OpenSSL, libsodium, libargon2, libb2, libgcrypt, Python's hashlib, Node's
 * crypto, hash-wasm) never hold together: Keccak, AES, BLAKE2 and FNV alone are everywhere.
 * Byte patterns are the little-endian in-memory form used on x86-64 and wasm32 (tables in
 * .rodata or a wasm data segment, 64-bit immediates in `movabs`); where a compiler turns a
 * constant into a wasm `i64.const`, the signed-LEB128 form is listed too.
 */

rule MH_ALG_RandomX
{
    meta:
        id = "MH-YARA-070"
        family = "randomx"
        kind = "algorithm"
        severity = "high"
        confidence = "high"
        description = "RandomX proof-of-work code (AesGenerator1R/4R, AesHash1R and SuperscalarHash constants)"
        reference = "https://github.com/tevador/RandomX/blob/master/doc/specs.md"

    strings:
        // AesGenerator1R keys 0..3 (_mm_set_epi32 order, i.e. as stored in memory)
        $aes_gen1r_k0 = { 53 A5 AC 6D 09 66 71 62 2B 55 B5 DB 17 49 F4 B4 }
        $aes_gen1r_k1 = { 07 AF 7C 6D 0D 71 6A 84 78 D3 25 17 4E DC A1 0D }
        $aes_gen1r_k2 = { F1 62 12 3F C6 7E 94 9F 4F 79 C0 F4 45 E3 20 3E }
        $aes_gen1r_k3 = { 35 81 EF 6A 7C 31 BA B1 88 4C 31 16 54 91 16 49 }
        // AesHash1R initial state 0..3 and the two extra keys
        $aes_hash1r_s0 = { 0D 2C B5 92 DE 56 A8 9F 47 DB 82 CC AD 3A 98 D7 }
        $aes_hash1r_s1 = { 6E 99 8D 33 98 B7 C7 15 5A 12 9E F5 57 80 E7 AC }
        $aes_hash1r_s2 = { 17 00 77 6A D0 C7 62 AE 6B 50 79 50 E4 7C A0 E8 }
        $aes_hash1r_s3 = { 0C 24 0A 63 8D 82 AD 07 05 00 A1 79 48 49 99 7E }
        $aes_hash1r_x0 = { 89 83 FA F6 9F 94 24 8B BF 56 DC 90 01 02 89 06 }
        $aes_hash1r_x1 = { D1 63 B2 61 3C E0 F4 51 C6 43 10 EE 9B F9 18 ED }
        // AesGenerator4R keys 0 and 1
        $aes_gen4r_k0 = { DD AA 21 64 DB 3D 83 D1 2B 6D 54 2F 3F D2 E5 99 }
        $aes_gen4r_k1 = { 50 34 0E B2 55 3F 91 B6 53 9D F7 06 E5 CD DF A5 }
        // SuperscalarHash dataset-item constants superscalarAdd1..7 (x86-64 immediates)
        $ss_add1 = { FC A1 F5 59 8A 97 0A 81 }
        $ss_add2 = { 46 D8 C2 38 DF 99 70 A7 }
        $ss_add3 = { 5C 49 22 BF 1C B9 26 81 }
        $ss_add4 = { 62 8A 9F 17 97 25 4D 49 }
        $ss_add5 = { 0C EC AA CE B9 EF 37 92 }
        $ss_add6 = { 78 2D E6 6C 74 56 2A 2F }
        $ss_add7 = { 4E E5 2C B6 F7 3B 85 84 }
        // the same constants as wasm `i64.const` (opcode 0x42 + signed LEB128)
        $ss_wasm1 = { 42 FC C3 D6 CF A5 F1 A5 85 81 7F }
        $ss_wasm2 = { 42 C6 B0 8B C6 F3 BB A6 B8 A7 7F }
        $ss_wasm3 = { 42 DC 92 89 F9 CB A3 AE 93 81 7F }
        $ss_wasm4 = { 42 E2 94 FE BC F1 B2 C9 A6 C9 00 }
        $ss_wasm5 = { 42 8C D8 AB F5 9C F7 FB 9B 92 7F }
        $ss_wasm6 = { 42 F8 DA 98 E7 C6 CE 95 95 2F }
        $ss_wasm7 = { 42 CE CA B3 B1 FB FE CE C2 84 7F }
        // RANDOMX_ARGON_SALT of Monero's RandomX (forks change the last bytes)
        $argon_salt = "RandomX\x03"

    condition:
        6 of ($aes_*)
        or (2 of ($aes_*) and (3 of ($ss_add*) or 3 of ($ss_wasm*) or $argon_salt))
        or ($argon_salt and (5 of ($ss_add*) or 5 of ($ss_wasm*)))
}

rule MH_ALG_CryptoNight
{
    meta:
        id = "MH-YARA-071"
        family = "cryptonight"
        kind = "algorithm"
        severity = "high"
        confidence = "high"
        description = "CryptoNight code: Keccak-f[1600] and AES tables plus two or more of its BLAKE-256/Groestl/JH/Skein finalisers"
        reference = "https://xmrig.com/docs/algorithms"

    strings:
        // Keccak-f[1600] round constants RC[0..3], 64-bit little- and big-endian
        $keccak_le = { 01 00 00 00 00 00 00 00 82 80 00 00 00 00 00 00 8A 80 00 00 00 00 00 80 00 80 00 80 00 00 00 80 }
        $keccak_be = { 00 00 00 00 00 00 00 01 00 00 00 00 00 00 80 82 80 00 00 00 00 00 80 8A 80 00 00 00 80 00 80 00 }
        // AES forward S-box, and the first T-table in both word orders
        $aes_sbox = { 63 7C 77 7B F2 6B 6F C5 30 01 67 2B FE D7 AB 76 CA 82 C9 7D FA 59 47 F0 }
        $aes_t0_a = { C6 63 63 A5 F8 7C 7C 84 EE 77 77 99 F6 7B 7B 8D }
        $aes_t0_b = { A5 63 63 C6 84 7C 7C F8 99 77 77 EE 8D 7B 7B F6 }
        // BLAKE-256: the pi constants (shared with Blowfish's P-array, hence paired with...)
        $blake_cst = { 88 6A 3F 24 D3 08 A3 85 2E 8A 19 13 44 73 70 03 22 38 09 A4 D0 31 9F 29 98 FA 2E 08 89 6C 4E EC }
        // ...its 14-row sigma table: rows 9,0,1,2 in a row never occur in BLAKE2s/2b (10/12 rows)
        $blake_sigma = { 0A 02 08 04 07 06 01 05 0F 0B 09 0E 03 0C 0D 00
                         00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F
                         0E 0A 04 08 09 0F 0D 06 01 0C 00 02 0B 07 05 03
                         0B 08 0C 00 05 02 0F 0D 0A 0E 03 06 07 01 09 04 }
        // Groestl T table, first four entries (32-bit split and sph 64-bit layouts coincide)
        $groestl_t = { C6 32 F4 A5 F4 97 A5 C6 F8 6F 97 84 97 EB 84 F8 }
        // JH: E8 bitslice round constant 0 (byte or 64-bit form), or JH-256 H0
        $jh = { ( 72 D5 DE A2 DF 15 F8 67 7B 84 15 0A B7 23 15 57
                | 67 F8 15 DF A2 DE D5 72 57 15 23 B7 0A 15 84 7B
                | EB 98 A3 41 2C 20 D3 EB 92 CD BE 7B 9C B2 45 C1 ) }
        // Skein-512-256 IV, or the Threefish key-schedule parity constant
        $skein = { ( 13 3E DB 2F A1 44 D0 CC EB A9 79 1A 30 90 35 E8 | 22 1A FC A9 DA 1B D1 1B ) }

        // IVs only the X11/X16R chain has; it also carries Groestl, JH and Skein but no BLAKE-256
        $x16_luffa = { 69 1E 25 6D E0 51 B0 44 B4 6F AA 4E 65 84 F7 DB }
        $x16_cubehash = { 61 2A EA 2A D4 94 F4 50 8B 8B 53 2D 3E D8 67 41 }
        $x16_shavite = { D8 CD FC 72 27 47 CA 79 7B 07 8A 12 EC 5A D5 40 }
        $x16_simd = { 95 6B A1 0B AD 99 F9 72 AE C2 EC 9F FC 64 32 BA }

    condition:
        // two or more finalisers, BLAKE-256 counting as one when cst and sigma are both there
        // (written without boolean "of" tuples so that libyara 4.2 compiles it too)
        any of ($keccak_*) and any of ($aes_*)
        and (
            ($blake_cst and $blake_sigma and any of ($groestl_t, $jh, $skein))
            or 2 of ($groestl_t, $jh, $skein)
        )
        and (($blake_cst and $blake_sigma) or not 2 of ($x16_*))
}

rule MH_ALG_KawPow_ProgPoW
{
    meta:
        id = "MH-YARA-072"
        family = "kawpow"
        kind = "algorithm"
        severity = "high"
        confidence = "high"
        description = "KawPow/ProgPoW code: the RAVENCOINKAWPOW padding words or Keccak-f[800] round constants with FNV-1a, or ProgPoW kernel source"
        reference = "https://xmrig.com/docs/algorithms"

    strings:
        // ravencoin_kawpow[15] = 'r','A','V','E','N','C','O','I','N','K','A','W','P','O','W' as uint32
        $kawpow_pad = { 72 00 00 00 41 00 00 00 56 00 00 00 45 00 00 00 4E 00 00 00 43 00 00 00
                        4F 00 00 00 49 00 00 00 4E 00 00 00 4B 00 00 00 41 00 00 00 57 00 00 00 }
        $kawpow_pad_src = "0x00000072, 0x00000041, 0x00000056"
        // Keccak-f[800] round constants RC[0..7] (32-bit)
        $f800_rc = { 01 00 00 00 82 80 00 00 8A 80 00 00 00 80 00 80 8B 80 00 00 01 00 00 80 81 80 00 80 09 80 00 00 }
        // FNV-1a prime as an imul/data operand
        $fnv_prime = { 93 01 00 01 }
        // GPU miners generate the ProgPoW kernel source at run time
        $k1 = "progPowLoop"
        $k2 = "keccak_f800"
        $k3 = "kiss99"
        $k4 = "fnv1a"
        $k5 = "PROGPOW_REGS"
        $k6 = "PROGPOW_DAG_LOADS"

    condition:
        $kawpow_pad or $kawpow_pad_src
        or ($f800_rc and #fnv_prime > 8)
        or 4 of ($k*)
}

rule MH_ALG_Ethash
{
    meta:
        id = "MH-YARA-073"
        family = "ethash"
        kind = "algorithm"
        severity = "high"
        confidence = "medium"
        description = "Ethash/Etchash DAG code: libethash cache/DAG size tables, or Keccak with FNV and the ethash API/kernel names"
        reference = "https://ethereum.org/en/developers/docs/consensus-mechanisms/pow/mining/mining-algorithms/ethash/"

    strings:
        // libethash data_sizes.h: dag_sizes[0..2] and cache_sizes[0..2] (uint64)
        $dag_sizes = { 80 F8 FF 3F 00 00 00 00 80 FF 7F 40 00 00 00 00 80 EF FF 40 00 00 00 00 }
        $cache_sizes = { C0 FE FF 00 00 00 00 00 C0 FC 01 01 00 00 00 00 C0 FF 03 01 00 00 00 00 }
        $keccak_rc = { 01 00 00 00 00 00 00 00 82 80 00 00 00 00 00 00 8A 80 00 00 00 00 00 80 }
        $fnv_prime = { 93 01 00 01 }
        $api1 = "ethash_calculate_full_dataset_num_items"
        $api2 = "ethash_calculate_light_cache_num_items"
        $api3 = "ethash_calculate_dag_item"
        $api4 = "ethash_search"
        $api5 = "ethash_light_new"
        $api6 = "ethash_full_new"
        $api7 = "GenerateDAG"
        $api8 = "ETHASH_DATASET_PARENTS"

    condition:
        ($dag_sizes and $cache_sizes)
        or ($keccak_rc and #fnv_prime >= 2 and 2 of ($api*))
}

rule MH_ALG_Argon2_Chukwa
{
    meta:
        id = "MH-YARA-074"
        family = "chukwa"
        kind = "algorithm"
        severity = "medium"
        confidence = "medium"
        description = "Argon2id Chukwa (TurtleCoin/WrkzCoin) miner code: BLAKE2b IV and Argon2 core named for the Chukwa variants"
        reference = "https://xmrig.com/docs/algorithms"

    strings:
        $blake2b_iv = { 08 C9 BC F3 67 E6 09 6A 3B A7 CA 84 85 AE 67 BB 2B F8 94 FE 72 F3 6E 3C }
        $argon2_1 = "argon2id" nocase
        $argon2_2 = "Argon2" 
        $chukwa_1 = "chukwa" nocase
        $chukwa_2 = "argon2/wrkz"
        $chukwa_3 = "argon2/ninja"
        $chukwa_4 = "cn/turtle"

    condition:
        $blake2b_iv and any of ($argon2_*) and any of ($chukwa_*)
}

rule MH_ALG_X16_Core
{
    meta:
        id = "MH-YARA-075"
        family = "x16r"
        kind = "algorithm"
        severity = "high"
        confidence = "high"
        description = "Chained SHA-3-candidate hash core of X11/X16R/X16S/GhostRider miners (six or more of BMW, Groestl, JH, Skein, Luffa, CubeHash, SHAvite, SIMD, Fugue, Shabal)"
        reference = "https://github.com/RavenProject/Ravencoin"

    strings:
        $bmw_iv512 = { 87 86 85 84 83 82 81 80 8F 8E 8D 8C 8B 8A 89 88 97 96 95 94 93 92 91 90 }
        $groestl_t = { C6 32 F4 A5 F4 97 A5 C6 F8 6F 97 84 97 EB 84 F8 }
        $jh_rc = { ( 72 D5 DE A2 DF 15 F8 67 7B 84 15 0A B7 23 15 57
                   | 67 F8 15 DF A2 DE D5 72 57 15 23 B7 0A 15 84 7B ) }
        $skein512_iv512 = { CE 51 9C 74 FF AD 03 49 03 DF 46 97 39 DE 95 0D }
        $luffa_iv = { 69 1E 25 6D E0 51 B0 44 B4 6F AA 4E 65 84 F7 DB }
        $cubehash_iv512 = { 61 2A EA 2A D4 94 F4 50 8B 8B 53 2D 3E D8 67 41 }
        $shavite_iv512 = { D8 CD FC 72 27 47 CA 79 7B 07 8A 12 EC 5A D5 40 }
        $simd_iv512 = { 95 6B A1 0B AD 99 F9 72 AE C2 EC 9F FC 64 32 BA }
        $fugue_iv512 = { 7E A5 07 88 75 AF 16 E6 DB E4 D3 C5 27 B0 9A AC }
        $shabal_a512 = { FD 8D 72 20 53 BD C0 46 99 B6 82 E7 32 46 30 55 }

    condition:
        6 of them
}

rule MH_ALG_GhostRider
{
    meta:
        id = "MH-YARA-076"
        family = "ghostrider"
        kind = "algorithm"
        severity = "high"
        confidence = "medium"
        description = "GhostRider (Raptoreum) miner code: the X16 hash core together with its CryptoNight variant names"
        reference = "https://xmrig.com/docs/algorithms"

    strings:
        $luffa_iv = { 69 1E 25 6D E0 51 B0 44 B4 6F AA 4E 65 84 F7 DB }
        $cubehash_iv512 = { 61 2A EA 2A D4 94 F4 50 8B 8B 53 2D 3E D8 67 41 }
        $shavite_iv512 = { D8 CD FC 72 27 47 CA 79 7B 07 8A 12 EC 5A D5 40 }
        $simd_iv512 = { 95 6B A1 0B AD 99 F9 72 AE C2 EC 9F FC 64 32 BA }
        $fugue_iv512 = { 7E A5 07 88 75 AF 16 E6 DB E4 D3 C5 27 B0 9A AC }
        $shabal_a512 = { FD 8D 72 20 53 BD C0 46 99 B6 82 E7 32 46 30 55 }
        $gr_1 = "ghostrider" nocase
        $gr_2 = "cn/darklite"
        $gr_3 = "cn/turtlelite"
        $gr_4 = "cn/dark"
        $gr_5 = "cn/fast"

    condition:
        4 of ($luffa_iv, $cubehash_iv512, $shavite_iv512, $simd_iv512, $fugue_iv512, $shabal_a512)
        and ($gr_1 or 2 of ($gr_2, $gr_3, $gr_4, $gr_5))
}
