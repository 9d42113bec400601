//go:build unix && !linux

package ffmpeg

import (
	"os/exec"
	"syscall"
)

// setProcessGroup starts the program in a new process group, so that it
// and anything it starts can be killed together.
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killProcessGroup kills the program's whole process group.
func killProcessGroup(cmd *exec.Cmd) error {
	return killGroup(cmd)
}
