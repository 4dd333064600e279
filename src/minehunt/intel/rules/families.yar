/*
 * minehunt: miner families and forks (kind "family").
 *
 * Built from the strings these programs really print or embed: usage texts, banners, log
 * lines, command-line flags and donate hosts. Every rule combines a name with behaviour
 * (flags, log lines) so that one generic word ("miner", "pool", "--algo") never fires alone.
 * Most miners keep these strings in clear text, so the same rule matches the binary, its
 * log file and the launcher script that starts it.
 */

rule MH_FAM_XMRig
{
    meta:
        id = "MH-YARA-001"
        family = "xmrig"
        kind = "family"
        severity = "high"
        confidence = "high"
        description = "XMRig CPU/GPU miner (binary, help text or log): donate hosts, usage text, RandomX/MSR log lines"
        reference = "https://xmrig.com/docs/miner/command-line-options"

    strings:
        $name = "XMRig" fullword
        $domain = "xmrig.com"
        $donate_1 = "donate.v2.xmrig.com"
        $donate_2 = "donate.ssl.xmrig.com"
        $usage = "Usage: xmrig [OPTIONS]"
        $m_1 = "--donate-level=N"
        $m_2 = "--randomx-1gb-pages"
        $m_3 = "--cpu-max-threads-hint"
        $m_4 = "FAILED TO APPLY MSR MOD"
        $m_5 = "msr register values for"
        $m_6 = "speed 10s/60s/15m"
        $m_7 = "READY threads"
        $m_8 = "--randomx-wrmsr"
        $m_9 = "--huge-pages-jit"
        $m_10 = "--donate-over-proxy"
        $m_11 = "init dataset algo"
        $m_12 = "--cpu-memory-pool"
        $m_13 = "dataset ready ("
        $m_14 = "new job from "

    condition:
        (any of ($donate_*) and (any of ($name, $domain, $usage) or any of ($m_*)))
        or ($usage and any of ($m_*))
        or (any of ($name, $domain) and 3 of ($m_*))
        or 5 of ($m_*)
}

rule MH_FAM_XMRig_Fork_MoneroOcean_C3Pool
{
    meta:
        id = "MH-YARA-002"
        family = "xmrig"
        kind = "family"
        severity = "high"
        confidence = "high"
        description = "MoneroOcean or C3Pool build of XMRig (algo-perf auto-switching fork used by setup_*_miner.sh campaigns)"
        reference = "https://github.com/MoneroOcean/xmrig"

    strings:
        $fork_1 = "moneroocean" nocase
        $fork_2 = "c3pool" nocase
        $fork_3 = "\"algo-perf\""
        $fork_4 = "algo-perf" fullword
        $x_1 = "XMRig" fullword
        $x_2 = "xmrig" fullword
        $x_3 = "--donate-level"
        $x_4 = "\"donate-level\""
        $x_5 = "speed 10s/60s/15m"
        $x_6 = "\"max-threads-hint\""

    condition:
        any of ($fork_1, $fork_2) and any of ($fork_3, $fork_4) and 2 of ($x_*)
}

rule MH_FAM_XMRig_Proxy
{
    meta:
        id = "MH-YARA-003"
        family = "xmrig-proxy"
        kind = "family"
        severity = "high"
        confidence = "high"
        description = "xmrig-proxy stratum proxy that aggregates hijacked miners (usage text, config keys)"
        reference = "https://github.com/xmrig/xmrig-proxy"

    strings:
        $name_1 = "xmrig-proxy" fullword
        $name_2 = "XMRig-Proxy"
        $usage = "Usage: xmrig-proxy [OPTIONS]"
        $o_1 = "--custom-diff-stats"
        $o_2 = "--access-log-file"
        $o_3 = "--reuse-timeout"
        $o_4 = "proxy mode, nicehash (default) or simple"
        $o_5 = "\"custom-diff-stats\""
        $o_6 = "\"access-log-file\""
        $o_7 = "\"reuse-timeout\""
        $o_8 = "--donate-level"

    condition:
        (any of ($name_*) or $usage) and 2 of ($o_*)
}

rule MH_FAM_XMR_Stak
{
    meta:
        id = "MH-YARA-004"
        family = "xmr-stak"
        kind = "family"
        severity = "high"
        confidence = "high"
        description = "XMR-Stak / xmr-stak-rx CryptoNight and RandomX miner (banner, key help, config names)"
        reference = "https://github.com/fireice-uk/xmr-stak"

    strings:
        $n_1 = "xmr-stak" nocase
        $n_2 = "fireice_uk"
        $n_3 = "psychocrypt"
        $s_1 = "Brought to you by fireice_uk"
        $s_2 = "'h' - hashrate"
        $s_3 = "\"cpu_threads_conf\""
        $s_4 = "\"pool_list\""
        $s_5 = "\"currency\""
        $s_6 = "Configurable dev donation level"
        $s_7 = "--noUAC"
        $s_8 = "--noAMD"
        $s_9 = "--noNVIDIA"
        $s_10 = "pools.txt"

    condition:
        any of ($n_*) and 2 of ($s_*)
}

rule MH_FAM_CPUMiner
{
    meta:
        id = "MH-YARA-005"
        family = "cpuminer"
        kind = "family"
        severity = "high"
        confidence = "high"
        description = "cpuminer family (pooler minerd, cpuminer-multi, cpuminer-opt, cpuminer-gr): usage text and stratum/longpoll log lines"
        reference = "https://github.com/pooler/cpuminer"

    strings:
        $n_1 = "Usage: minerd"
        $n_2 = "Usage: cpuminer"
        $n_3 = "cpuminer-multi"
        $n_4 = "cpuminer-opt"
        $n_5 = "cpuminer-gr"
        $n_6 = "minerd" fullword
        $n_7 = "cpuminer" fullword
        $s_1 = "Stratum requested work restart"
        $s_2 = "LONGPOLL pushed new work"
        $s_3 = "--no-longpoll"
        $s_4 = "--no-stratum"
        $s_5 = "mining.subscribe"
        $s_6 = "khash/s"
        $s_7 = "X-Mining-Extensions"
        $s_8 = "--coinbase-addr"
        $s_9 = "--userpass=U:P"
        $s_10 = "specify the algorithm to use"
        $s_11 = "Starting Stratum on"

    condition:
        any of ($n_*) and 3 of ($s_*)
}

rule MH_FAM_CCMiner
{
    meta:
        id = "MH-YARA-006"
        family = "ccminer"
        kind = "family"
        severity = "high"
        confidence = "high"
        description = "ccminer CUDA miner (tpruvot and forks): banner and CUDA-specific options"
        reference = "https://github.com/tpruvot/ccminer"

    strings:
        $n_1 = "ccminer" nocase
        $s_1 = "Usage: ccminer [OPTIONS]"
        $s_2 = "for nVidia GPUs by tpruvot@github"
        $s_3 = "Originally based on Christian Buchner and Christian H. project"
        $s_4 = "--cuda-schedule"
        $s_5 = "--max-temp"
        $s_6 = "Stratum requested work restart"
        $s_7 = "stratum+tcp://"
        $s_8 = "--intensity"

    condition:
        $n_1 and 2 of ($s_*)
}

rule MH_FAM_SRBMiner
{
    meta:
        id = "MH-YARA-007"
        family = "srbminer"
        kind = "family"
        severity = "high"
        confidence = "high"
        description = "SRBMiner-MULTI / SRBMiner-CN CPU+GPU miner (binary or launcher script)"
        reference = "https://github.com/doktor83/SRBMiner-Multi"

    strings:
        $n_1 = "SRBMiner-MULTI" nocase
        $n_2 = "SRBMiner-CN" nocase
        $o_1 = "--algorithm"
        $o_2 = "--pool"
        $o_3 = "--wallet"
        $o_4 = "--disable-gpu"
        $o_5 = "--disable-cpu"
        $o_6 = "--cpu-threads"
        $o_7 = "--gpu-boost"

    condition:
        any of ($n_*) and 2 of ($o_*)
}

rule MH_FAM_TRex
{
    meta:
        id = "MH-YARA-008"
        family = "t-rex"
        kind = "family"
        severity = "high"
        confidence = "high"
        description = "T-Rex NVIDIA GPU miner (binary, config or launcher)"
        reference = "https://github.com/trexminer/T-Rex"

    strings:
        $n_1 = "T-Rex NVIDIA GPU miner"
        $n_2 = "trex-miner.com"
        $n_3 = /(^|[\/\\ "'])t-rex(\.exe)?[ "']/ nocase
        $o_1 = "--api-bind-http"
        $o_2 = "--no-watchdog"
        $o_3 = "--gpu-report-interval"
        $o_4 = "--lhr-tune"
        $o_5 = "stratum+tcp://"
        $o_6 = "--worker"
        $o_7 = " -a "

    condition:
        any of ($n_*) and 2 of ($o_*)
}

rule MH_FAM_LolMiner
{
    meta:
        id = "MH-YARA-009"
        family = "lolminer"
        kind = "family"
        severity = "high"
        confidence = "high"
        description = "lolMiner GPU miner (binary or the mine_*.sh/.bat launchers it ships)"
        reference = "https://github.com/Lolliedieb/lolMiner-releases"

    strings:
        $n_1 = "lolMiner"
        $n_2 = "Lolliedieb"
        $o_1 = "--algo"
        $o_2 = "--pool"
        $o_3 = "--user"
        $o_4 = "--apiport"
        $o_5 = "--dualmode"
        $o_6 = "--watchdog"

    condition:
        any of ($n_*) and 2 of ($o_*)
}

rule MH_FAM_NBMiner
{
    meta:
        id = "MH-YARA-010"
        family = "nbminer"
        kind = "family"
        severity = "high"
        confidence = "high"
        description = "NBMiner (NebuTech) GPU miner (binary or launcher)"
        reference = "https://github.com/NebuTech/NBMiner"

    strings:
        $n_1 = "NBMiner"
        $n_2 = "nbminer" fullword
        $n_3 = "NebuTech"
        $o_1 = "stratum+tcp://"
        $o_2 = "stratum+ssl://"
        $o_3 = " -a "
        $o_4 = " -o "
        $o_5 = " -u "
        $o_6 = "--api"
        $o_7 = "--no-nvml"
        $o_8 = "--cuda-mode"

    condition:
        any of ($n_*) and 3 of ($o_*)
}

rule MH_FAM_GMiner
{
    meta:
        id = "MH-YARA-011"
        family = "gminer"
        kind = "family"
        severity = "high"
        confidence = "high"
        description = "GMiner GPU miner (binary or launcher)"
        reference = "https://github.com/develsoftware/GMinerRelease"

    strings:
        $n_1 = "GMiner" fullword
        $n_2 = /(^|[\/\\ "'])miner(\.exe)? --algo/
        $o_1 = "--algo"
        $o_2 = "--server"
        $o_3 = "--user"
        $o_4 = "--port"
        $o_5 = "--pec"
        $o_6 = "--watchdog"
        $o_7 = "--devices"

    condition:
        $n_1 and ($n_2 or 3 of ($o_*))
}

rule MH_FAM_PhoenixMiner
{
    meta:
        id = "MH-YARA-012"
        family = "phoenixminer"
        kind = "family"
        severity = "high"
        confidence = "high"
        description = "PhoenixMiner Ethash/Etchash GPU miner (binary, config.txt/epools.txt, launcher)"
        reference = "https://phoenixminer.info/"

    strings:
        $n_1 = "PhoenixMiner"
        $o_1 = "-pool "
        $o_2 = "-wal "
        $o_3 = "-worker "
        $o_4 = "-epsw "
        $o_5 = "-coin "
        $o_6 = "epools.txt"
        $o_7 = "-amd"
        $o_8 = "-nvidia"

    condition:
        $n_1 and 2 of ($o_*)
}

rule MH_FAM_TeamRedMiner
{
    meta:
        id = "MH-YARA-013"
        family = "teamredminer"
        kind = "family"
        severity = "high"
        confidence = "high"
        description = "TeamRedMiner AMD GPU miner (binary or launcher)"
        reference = "https://github.com/todxx/teamredminer"

    strings:
        $n_1 = "teamredminer" nocase
        $o_1 = "stratum+tcp://"
        $o_2 = "stratum+ssl://"
        $o_3 = " -a "
        $o_4 = " -o "
        $o_5 = " -u "
        $o_6 = "--eth_config"
        $o_7 = "--cn_config"
        $o_8 = "--init_style"

    condition:
        $n_1 and 3 of ($o_*)
}

rule MH_FAM_Nanominer
{
    meta:
        id = "MH-YARA-014"
        family = "nanominer"
        kind = "family"
        severity = "high"
        confidence = "high"
        description = "nanominer (nanopool) CPU/GPU miner: binary, config.ini or launcher"
        reference = "https://github.com/nanopool/nanominer"

    strings:
        $n_1 = "nanominer" nocase
        $o_1 = /\bwallet\s*=\s*\S+/
        $o_2 = /\brigName\s*=/
        $o_3 = /\bcoin\s*=\s*\w+/
        $o_4 = /\bpool1\s*=/
        $o_5 = /\bwebPort\s*=/
        $o_6 = /\[(RandomX|Ethash|Etchash|KawPow|Autolykos|Verushash|Kaspa|Karlsen)\]/

    condition:
        $n_1 and 2 of ($o_*)
}

rule MH_FAM_Go_Miner_Wrapper
{
    meta:
        id = "MH-YARA-015"
        family = "go-miner-wrapper"
        kind = "family"
        severity = "high"
        confidence = "medium"
        description = "Go program (source or binary) that runs a miner with pool arguments (cryptojacking botnets written in Go)"
        reference = "https://attack.mitre.org/techniques/T1496/"

    strings:
        $go_1 = "Go build ID:"
        $go_2 = "runtime.goexit"
        $go_3 = "package main"
        $exec_1 = "os/exec"
        $exec_2 = "exec.Command"
        $m_1 = "xmrig" nocase
        $m_2 = "xmr-stak" nocase
        $m_3 = "minerd" fullword
        $m_4 = "cpuminer" fullword
        $p_1 = "stratum+tcp://"
        $p_2 = "stratum+ssl://"
        $p_3 = "--donate-level"
        $p_4 = "\"--url\""
        $p_5 = "\"-o\""
        $p_6 = "moneroocean.stream"
        $p_7 = "supportxmr.com"
        $p_8 = "c3pool.com"

    condition:
        filesize < 48MB and any of ($go_*) and any of ($exec_*) and any of ($m_*) and any of ($p_*)
}

rule MH_FAM_Python_Miner_Wrapper
{
    meta:
        id = "MH-YARA-016"
        family = "python-miner-wrapper"
        kind = "family"
        severity = "high"
        confidence = "medium"
        description = "Python script that launches a miner with pool arguments or speaks stratum itself"
        reference = "https://attack.mitre.org/techniques/T1496/"

    strings:
        $py_1 = "import subprocess"
        $py_2 = "from subprocess import"
        $py_3 = "os.system("
        $py_4 = "os.popen("
        $py_5 = "import socket"
        $m_1 = "xmrig" nocase
        $m_2 = "--donate-level"
        $m_3 = "xmr-stak" nocase
        $m_4 = "cpuminer" nocase
        $m_5 = "minerd" fullword
        $p_1 = "stratum+tcp://"
        $p_2 = "stratum+ssl://"
        $p_3 = /\b4[0-9AB][1-9A-HJ-NP-Za-km-z]{93}\b/
        $p_4 = /["']-o["'],\s*["'][a-z0-9.-]+:\d{2,5}["']/
        $st_1 = "mining.subscribe"
        $st_2 = "mining.authorize"
        $st_3 = "mining.submit"

    condition:
        filesize < 1MB and any of ($py_*) and (
            (any of ($m_*) and any of ($p_*))
            or all of ($st_*)
        )
}
