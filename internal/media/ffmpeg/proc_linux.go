package ffmpeg

import (
	"os/exec"
	"syscall"
)

// setProcessGroup starts the program in a new process group, so that it
// and anything it starts can be killed together, and asks the kernel to
// kill it if the thread that started it dies (the Go runtime does not end
// threads that start processes, so in practice: if this process dies).
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// killProcessGroup kills the program's whole process group.
func killProcessGroup(cmd *exec.Cmd) error {
	return killGroup(cmd)
}
