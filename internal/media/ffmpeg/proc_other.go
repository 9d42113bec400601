//go:build !unix

package ffmpeg

import "os/exec"

// setProcessGroup has nothing to set where there are no process groups.
func setProcessGroup(*exec.Cmd) {}

// killProcessGroup kills the program itself.
func killProcessGroup(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	return cmd.Process.Kill()
}
