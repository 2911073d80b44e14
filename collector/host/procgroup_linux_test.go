package host

import (
	"os/exec"
	"syscall"
)

// procGroup puts a test's process tree in its own group so one signal ends
// the shell and every child it started.
func procGroup() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }

func killGroup(cmd *exec.Cmd) error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
