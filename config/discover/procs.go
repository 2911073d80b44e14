package discover

import (
	"context"
	"path/filepath"

	"github.com/shirou/gopsutil/v4/process"
)

// SystemProcesses lists this host's gateway processes through gopsutil
// (which reads /proc on Linux). Processes that end while being read, or
// whose details another user's permissions hide, are kept with what could
// be read: the name and command line are world-readable.
func SystemProcesses(ctx context.Context) ([]Proc, error) {
	ps, err := process.ProcessesWithContext(ctx)
	if err != nil {
		return nil, err
	}
	var out []Proc
	for _, p := range ps {
		name, err := p.NameWithContext(ctx)
		if err != nil {
			continue // gone
		}
		cmd, _ := p.CmdlineSliceWithContext(ctx)
		pr := Proc{PID: p.Pid, Name: name, Cmdline: trimEmpty(cmd)}
		if _, ok := finderOf(pr); !ok {
			continue
		}
		pr.PPID, _ = p.PpidWithContext(ctx)
		pr.Exe, _ = p.ExeWithContext(ctx)
		if cwd, err := p.CwdWithContext(ctx); err == nil && filepath.IsAbs(cwd) {
			pr.Cwd = cwd
		}
		pr.Env, _ = p.EnvironWithContext(ctx)
		out = append(out, pr)
	}
	return out, nil
}

// trimEmpty drops the empty strings a rewritten title leaves at the end of
// /proc/PID/cmdline.
func trimEmpty(s []string) []string {
	for len(s) > 0 && s[len(s)-1] == "" {
		s = s[:len(s)-1]
	}
	return s
}
