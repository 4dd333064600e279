/*
 * minehunt: dropper and campaign scripts (kind "script").
 *
 * Shell one-liners of cryptojacking campaigns (TeamTNT, Kinsing, WatchDog, 8220, Rocke and
 * their copycats) are copied from one another and change little. Each rule still needs two
 * or more of the campaign's steps, because any single command (pkill, chattr, setenforce,
 * curl | sh) is everyday administration.
 */

rule MH_SCR_Download_Run_Miner
{
    meta:
        id = "MH-YARA-030"
        family = "generic"
        kind = "script"
        severity = "high"
        confidence = "high"
        description = "Script downloads a miner (xmrig, kdevtmpfsi, kinsing, ...), makes it executable and starts it in the background"
        reference = "https://attack.mitre.org/techniques/T1105/"

    strings:
        $dl_1 = /(curl|wget|tftp)\s[^\n]{0,200}(xmrig|xmr-stak|minerd|cpuminer|kdevtmpfsi|kinsing|kthreaddi|sysupdate|networkservice|dbused|xmr64|\.miner)/ nocase
        $dl_2 = /(curl|wget)\s[^\n]{0,200}(xmrig|xmr)[^\n]{0,40}\.(tar\.gz|tgz|zip)/ nocase
        $chmod = /chmod\s+(\+x|[0-7]?7[0-7][0-7])\s/
        $run_1 = /nohup\s[^\n]{0,200}&/
        $run_2 = /setsid\s/
        $run_3 = /\s&\s*(>\s*\/dev\/null|$|\n|;)/
        $run_4 = />\s*\/dev\/null\s+2>&1\s*&/
        $run_5 = "--donate-level"
        $run_6 = /systemctl\s+(start|enable)\s/

    condition:
        filesize < 2MB and any of ($dl_*) and $chmod and any of ($run_*)
}

rule MH_SCR_BareIP_Binary_Background
{
    meta:
        id = "MH-YARA-031"
        family = "generic"
        kind = "script"
        severity = "medium"
        confidence = "medium"
        description = "Script fetches an unnamed binary from a bare IP address, makes it executable and runs it detached"
        reference = "https://attack.mitre.org/techniques/T1105/"

    strings:
        $dl = /(curl|wget)\s[^\n]{0,80}https?:\/\/\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}(:\d{1,5})?\/[^\s"'|;]*/ nocase
        $chmod = /chmod\s+(\+x|[0-7]?7[0-7][0-7])\s/
        $bg_1 = /nohup\s[^\n]{0,200}&/
        $bg_2 = /setsid\s[^\n]{0,200}/
        $bg_3 = />\s*\/dev\/null\s+2>&1\s*&/
        $hide_1 = /\/(tmp|var\/tmp|dev\/shm)\/\.[a-zA-Z0-9._-]+/

    condition:
        filesize < 2MB and $dl and $chmod and any of ($bg_*) and $hide_1
}

rule MH_SCR_Kill_Competing_Miners
{
    meta:
        id = "MH-YARA-032"
        family = "generic"
        kind = "script"
        severity = "high"
        confidence = "high"
        description = "Script kills competing miners: three or more distinct miner names, or processes by CPU usage (cryptojacking turf war)"
        reference = "https://attack.mitre.org/techniques/T1489/"

    strings:
        // one pattern per competitor, so that killing only one's own miner does not count;
        // a grep names a target only when its pipeline ends in kill
        $kn_1 = /((pkill|killall)\s[^\n]{0,60}xmrig|grep\s[^\n]{0,60}xmrig[^\n]{0,160}kill)/ nocase
        $kn_2 = /((pkill|killall)\s[^\n]{0,60}xmr-stak|grep\s[^\n]{0,60}xmr-stak[^\n]{0,160}kill)/ nocase
        $kn_3 = /((pkill|killall)\s[^\n]{0,60}(minerd|cpuminer)|grep\s[^\n]{0,60}(minerd|cpuminer)[^\n]{0,160}kill)/ nocase
        $kn_4 = /((pkill|killall)\s[^\n]{0,60}kdevtmpfsi|grep\s[^\n]{0,60}kdevtmpfsi[^\n]{0,160}kill)/
        $kn_5 = /((pkill|killall)\s[^\n]{0,60}kinsing|grep\s[^\n]{0,60}kinsing[^\n]{0,160}kill)/
        $kn_6 = /((pkill|killall)\s[^\n]{0,60}kthreaddi|grep\s[^\n]{0,60}kthreaddi[^\n]{0,160}kill)/
        $kn_7 = /((pkill|killall)\s[^\n]{0,60}cryptonight|grep\s[^\n]{0,60}cryptonight[^\n]{0,160}kill)/ nocase
        $kn_8 = /((pkill|killall)\s[^\n]{0,60}(sysupdate|networkservice|sysguard)|grep\s[^\n]{0,60}(sysupdate|networkservice|sysguard)[^\n]{0,160}kill)/
        $kn_9 = /((pkill|killall)\s[^\n]{0,60}dbused|grep\s[^\n]{0,60}dbused[^\n]{0,160}kill)/
        $kn_10 = /((pkill|killall)\s[^\n]{0,60}(ddgs|qW3xT|2t3ik)|grep\s[^\n]{0,60}(ddgs|qW3xT|2t3ik)[^\n]{0,160}kill)/
        $kn_11 = /((pkill|killall)\s[^\n]{0,60}(kerberods|watchbog|sustes|bashirc|ksoftirqds)|grep\s[^\n]{0,60}(kerberods|watchbog|sustes|bashirc|ksoftirqds)[^\n]{0,160}kill)/
        $kn_12 = /((pkill|killall)\s[^\n]{0,60}stratum|grep\s[^\n]{0,60}stratum[^\n]{0,160}kill)/
        $kill_1 = /(pkill|killall)\s/
        $kill_2 = /xargs\s+(-I\s*%\s+)?kill/
        $kill_3 = /kill\s+-9\s/
        $cpu_1 = /ps\s+(aux|-eo\s+[^\n|]*%?cpu)[^\n]{0,80}\|\s*awk\s+'?\{?\s*if\s*\(\s*\$3\s*>\s*\d+(\.\d+)?\s*\)/
        $cpu_2 = /awk\s+'\$3\s*>\s*\d+(\.\d+)?\s*\{\s*print\s+\$2\s*\}'[^\n]{0,40}kill/
        $cpu_3 = /ps\s+-eo\s+pid,%?cpu[^\n]{0,120}kill/

    condition:
        filesize < 2MB and any of ($kill_*) and (3 of ($kn_*) or (any of ($cpu_*) and any of ($kn_*)))
}

rule MH_SCR_Disable_Security_Agents
{
    meta:
        id = "MH-YARA-033"
        family = "generic"
        kind = "script"
        severity = "high"
        confidence = "high"
        description = "Script removes cloud monitoring agents (Aliyun Aegis, Tencent qcloud YunJing) or disables firewall/SELinux/AppArmor"
        reference = "https://attack.mitre.org/techniques/T1562/001/"

    strings:
        $ali_1 = "/usr/local/aegis" nocase
        $ali_2 = "aegis_uninstall" nocase
        $ali_3 = "AliYunDun" nocase
        $ali_4 = "quartz_uninstall" nocase
        $ali_5 = "aliyun-service" nocase
        $ali_6 = "cloudmonitor" nocase
        $qc_1 = "/usr/local/qcloud" nocase
        $qc_2 = "YDService" nocase
        $qc_3 = "YunJing" nocase
        $qc_4 = "stargate/admin/uninstall.sh"
        $os_1 = /setenforce\s+0/
        $os_2 = /SELINUX=disabled/
        $os_3 = /ufw\s+disable/
        $os_4 = /(systemctl|service)\s+(stop|disable)\s+apparmor|apparmor\s+(stop|teardown)/
        $os_5 = /iptables\s+-F/
        $os_6 = /(systemctl|service)\s+(stop|disable)\s+(firewalld|auditd|falcon-sensor|osqueryd|wazuh-agent|bcm-agent)/
        $os_7 = "nmi_watchdog=0"

    condition:
        filesize < 2MB and (
            (any of ($ali_*, $qc_*) and 2 of ($ali_*, $qc_*, $os_*))
            or 3 of ($os_*)
        )
}

rule MH_SCR_Lock_Authorized_Keys
{
    meta:
        id = "MH-YARA-034"
        family = "generic"
        kind = "script"
        severity = "high"
        confidence = "high"
        description = "Script plants an SSH key and makes authorized_keys immutable with chattr +i"
        reference = "https://attack.mitre.org/techniques/T1098/004/"

    strings:
        $chattr = /chattr\s+[-+]?[ai]*i[ai]*\s+[^\n]{0,60}authorized_keys/
        $plant_1 = /(echo|printf)\s+["']?ssh-(rsa|ed25519)\s+AAAA[^\n]{0,800}>>?\s*[^\n]{0,40}authorized_keys/
        $plant_2 = /(curl|wget)\s[^\n]{0,200}>>?\s*[^\n]{0,40}authorized_keys/

    condition:
        filesize < 2MB and $chattr and any of ($plant_*)
}

rule MH_SCR_LD_Preload_Hijack
{
    meta:
        id = "MH-YARA-035"
        family = "generic"
        kind = "script"
        severity = "critical"
        confidence = "high"
        description = "Script writes a library into /etc/ld.so.preload (process-hiding userland rootkit such as libprocesshider)"
        reference = "https://attack.mitre.org/techniques/T1574/006/"

    strings:
        $w_1 = /(echo|printf)\s+["']?[^\n"']{1,200}\.so["']?\s*>>?\s*\/etc\/ld\.so\.preload/
        $w_2 = /(cp|mv|cat)\s[^\n]{0,200}\/etc\/ld\.so\.preload/
        $lib_1 = "libprocesshider" nocase
        $lib_2 = "processhider.c"
        $lib_3 = /gcc\s[^\n]{0,120}-shared[^\n]{0,120}-ldl/
        $lib_4 = /\/(usr\/)?(local\/)?lib(64)?\/[a-z0-9_.-]*\.so/
        $lib_5 = "chattr +i /etc/ld.so.preload"

    condition:
        filesize < 2MB and any of ($w_*) and any of ($lib_*)
}

rule MH_SCR_Hugepages_MSR_Tuning
{
    meta:
        id = "MH-YARA-036"
        family = "randomx"
        kind = "script"
        severity = "medium"
        confidence = "high"
        description = "RandomX tuning script: MSR writes (modprobe msr allow_writes, wrmsr prefetcher registers) and huge pages"
        reference = "https://xmrig.com/docs/miner/randomx-optimization-guide/msr"

    strings:
        $msr_1 = /modprobe\s+msr(\s+allow_writes=on)?/
        $msr_2 = "/sys/module/msr/parameters/allow_writes"
        $msr_3 = /wrmsr\s+(-a|-p\s*\d+)\s+0x(1a4|c0011020|c0011021|c0011022|c001102b|1a0)/ nocase
        $hp_1 = /vm\.nr_hugepages\s*=?\s*[\d$]/
        $hp_2 = "/proc/sys/vm/nr_hugepages"
        $hp_3 = "hugepages-1048576kB"

    condition:
        filesize < 1MB and any of ($msr_*) and (any of ($hp_*) or #msr_3 >= 2)
}

rule MH_SCR_C3Pool_MoneroOcean_Setup
{
    meta:
        id = "MH-YARA-037"
        family = "xmrig"
        kind = "script"
        severity = "high"
        confidence = "high"
        description = "MoneroOcean / C3Pool setup_*_miner.sh installer (also abused verbatim by campaigns)"
        reference = "https://github.com/MoneroOcean/xmrig_setup"

    strings:
        $n_1 = "setup_moneroocean_miner.sh"
        $n_2 = "setup_c3pool_miner.sh"
        $n_3 = "moneroocean_miner.service"
        $n_4 = "c3pool_miner.service"
        $n_5 = "MoneroOcean mining setup script"
        $n_6 = "C3Pool mining setup script"
        $s_1 = "$HOME/moneroocean"
        $s_2 = "$HOME/c3pool"
        $s_3 = "gulf.moneroocean.stream"
        $s_4 = "auto.c3pool.org"
        $s_5 = "xmrig.tar.gz"
        $s_6 = "miner.sh --config="
        $s_7 = "\"donate-level\": *[^,]*,"
        $s_8 = "\"max-cpu-usage\""

    condition:
        filesize < 1MB and any of ($n_*) and 2 of ($s_*)
}

rule MH_SCR_Trojanised_Process_Tools
{
    meta:
        id = "MH-YARA-038"
        family = "generic"
        kind = "script"
        severity = "critical"
        confidence = "high"
        description = "Wrapper replacing ps/top/netstat/lsof that calls the renamed original and greps miner names out of its output"
        reference = "https://attack.mitre.org/techniques/T1564/"

    strings:
        $wrap_1 = /(ps|top|netstat|lsof|pstree|ss|pgrep)(\.original|\.old|\.bak|\.orig|\.lanigiro|\.real|\.bin)\s+["']?\$(@|\*|\{@\})["']?[^\n]{0,40}\|\s*(e|f)?grep\s+-v/
        $wrap_2 = /`which\s+(ps|top|netstat|lsof)`\.(original|old|bak|orig|lanigiro)/
        $wrap_3 = /\$old(ps|top|netstat|lsof)\s+["']?\$(@|\*)["']?[^\n]{0,40}\|\s*(e|f)?grep\s+-v/
        $wrap_4 = /\$\{?\w+\}?\.(original|old|bak|orig|lanigiro)\s+["']?\\?\$(@|\*)["']?[^\n]{0,40}\|\s*(e|f)?grep\s+-v/
        $v = /grep\s+(-[a-zA-Z]+\s+)*-v(\s+-[a-zA-Z]+)*\s+["']?[^"'\n]{0,80}(xmrig|kthreaddi|kdevtmpfsi|kinsing|dbused|zzh|xmr|miner|tsm)/ nocase

    condition:
        filesize < 128KB and any of ($wrap_*) and $v
}

rule MH_SCR_Rootkit_Module_Hide
{
    meta:
        id = "MH-YARA-039"
        family = "generic"
        kind = "script"
        severity = "critical"
        confidence = "high"
        description = "Script loads a kernel rootkit module (Diamorphine/Reptile style) and uses it to hide the miner"
        reference = "https://attack.mitre.org/techniques/T1014/"

    strings:
        $load_1 = /insmod\s+[^\n]{0,120}\.ko/
        $load_2 = /modprobe\s+(diamorphine|reptile|rootkit)/ nocase
        $hide_1 = /kill\s+-(31|63|64)\s+/
        $hide_2 = "diamorphine" nocase
        $hide_3 = "reptile_cmd" nocase
        $hide_4 = /\/reptile\/reptile/
        $hide_5 = /dmesg\s+-(C|c)/
        $hide_6 = /rm\s+-(r?f|f?r)\s+[^\n]{0,80}\.ko/

    condition:
        filesize < 2MB and any of ($load_*) and 2 of ($hide_*)
}

rule MH_SCR_Log_History_Wipe
{
    meta:
        id = "MH-YARA-040"
        family = "generic"
        kind = "script"
        severity = "medium"
        confidence = "low"
        description = "Script wipes shell history and system logs (anti-forensics step of droppers; image-build cleanup scripts look alike)"
        reference = "https://attack.mitre.org/techniques/T1070/"

    strings:
        $h_1 = /history\s+-c/
        $h_2 = /unset\s+HISTFILE/
        $h_3 = /export\s+HISTFILE=\/dev\/null/
        $h_4 = /rm\s+-(r?f|f?r)\s+[^\n]{0,40}\.bash_history/
        $h_5 = /(cat\s+\/dev\/null\s+|echo\s*(""|'')?\s*)>\s*[^\n]{0,20}\.bash_history/
        $l_1 = /(cat\s+\/dev\/null\s+|echo\s*(""|'')?\s*)>\s*\/var\/log\/(wtmp|btmp|lastlog|secure|auth\.log|syslog|messages|cron)/
        $l_2 = /rm\s+-(r?f|f?r)\s+\/var\/log\/(wtmp|btmp|lastlog|secure|auth\.log|syslog|messages)/
        $l_3 = /journalctl\s+--vacuum-(time|size)/
        $l_4 = /(shred|truncate\s+-s\s*0)\s[^\n]{0,40}\/var\/log\//
        $l_5 = /HISTSIZE=0/

    condition:
        filesize < 2MB and any of ($h_*) and 2 of ($l_*)
}

rule MH_SCR_Cron_Fetch_Persist
{
    meta:
        id = "MH-YARA-041"
        family = "generic"
        kind = "script"
        severity = "high"
        confidence = "high"
        description = "Crontab entry that periodically downloads and pipes a script into a shell (miner re-infection)"
        reference = "https://attack.mitre.org/techniques/T1053/003/"

    strings:
        $cron_1 = /(\*\/\d{1,2}|\d{1,2}|@reboot|@hourly|@daily)(\s+(\*|\*\/\d+|\d+)){0,4}\s+[^\n]{0,60}(curl|wget|python\d?\s+-c|bash\s+-c)[^\n]{0,250}\|\s*(ba|da|z)?sh\b/
        $cron_2 = /(\*\/\d{1,2}|@reboot)(\s+(\*|\*\/\d+|\d+)){0,4}\s+[^\n]{0,60}(curl|wget)\s[^\n]{0,250}(\.sh|\/\w{1,8})\s*[|;&]/
        $ctx_1 = "crontab"
        $ctx_2 = "/etc/cron"
        $ctx_3 = "/var/spool/cron"

    condition:
        filesize < 2MB and any of ($cron_*) and any of ($ctx_*)
}

rule MH_SCR_Wallet_In_Script
{
    meta:
        id = "MH-YARA-042"
        family = "generic"
        kind = "script"
        severity = "high"
        confidence = "high"
        description = "Shell/batch script that starts a miner-like process with a pool and a Monero wallet on its command line"
        reference = "https://attack.mitre.org/techniques/T1496/"

    strings:
        $shebang_1 = "#!/bin/sh"
        $shebang_2 = "#!/bin/bash"
        $shebang_3 = "#!/usr/bin/env bash"
        $shebang_4 = "@echo off" nocase
        $wallet = /\b[48][0-9AB][1-9A-HJ-NP-Za-km-z]{93}\b/
        $opt_1 = /\s(-o|--url|--pool|-pool|-epool)\s+[a-z0-9.+:\/-]+:\d{2,5}/ nocase
        $opt_2 = /\s(-u|--user|--wallet|-wal|-ewal)\s+["']?[48][0-9AB]/
        $opt_3 = /\s(-p|--pass)\s+\S+/

    condition:
        filesize < 1MB and any of ($shebang_*) and $wallet and $opt_1 and $opt_2 and $opt_3
}
