package model

// Host is the gateway host's own load: the facts behind the gateway_limits
// cause (a box out of CPU, memory, ports or file descriptors returns 502s
// that look, from the upstream side, like a failing upstream).
type Host struct {
	CPUPercent  float64 `json:"cpu_percent"`
	MemPercent  float64 `json:"mem_percent"`
	SwapPercent float64 `json:"swap_percent"`
	Load1       float64 `json:"load1"`
	Load5       float64 `json:"load5"`
	Load15      float64 `json:"load15"`

	// CPUs is the busy percentage of each core (0..100), in the kernel's
	// order; its length is the core count the load averages compare with.
	CPUs []float64 `json:"cpus,omitempty"`

	MemUsedBytes   uint64 `json:"mem_used_bytes,omitempty"`
	MemTotalBytes  uint64 `json:"mem_total_bytes,omitempty"`
	SwapUsedBytes  uint64 `json:"swap_used_bytes,omitempty"`
	SwapTotalBytes uint64 `json:"swap_total_bytes,omitempty"` // 0 on a host without swap

	TCPStates map[string]int `json:"tcp_states,omitempty"` // ESTABLISHED, TIME_WAIT, ...
	// EphemeralPorts is the size of the local port range outgoing
	// connections draw from (ip_local_port_range); 0 when unknown.
	EphemeralPorts int `json:"ephemeral_ports,omitempty"`

	// Processes are the gateway's own processes (master first, then
	// workers), at most a fixed number; ProcessesOmitted says how many
	// more matched and were left out.
	Processes        []Process `json:"processes,omitempty"`
	ProcessesOmitted int       `json:"processes_omitted,omitempty"`

	Error string `json:"error,omitempty"`
}

// Process roles: a master is a watched process whose parent is not a
// watched process of the same name; its children of that name are workers.
const (
	RoleMaster = "master"
	RoleWorker = "worker"
)

// Process is one of the gateway's processes.
type Process struct {
	PID  int    `json:"pid"`
	PPID int    `json:"ppid"`
	Name string `json:"name"` // the kernel's comm: nginx, haproxy, envoy, ...
	Role string `json:"role"` // RoleMaster or RoleWorker
	// CPUPercent is the share of one core used since the previous sample,
	// as top shows it: a busy multi-threaded process can exceed 100.
	CPUPercent float64 `json:"cpu_percent"`
	RSSBytes   uint64  `json:"rss_bytes"`
	// FDs is the number of open file descriptors, 0 when they cannot be
	// read (another user's process); a running gateway process always
	// holds some (its listening sockets and logs), so 0 never means none.
	FDs int `json:"fds,omitempty"`
	// FDLimit is the soft "Max open files" limit, 0 when unknown or
	// unlimited.
	FDLimit int `json:"fd_limit,omitempty"`
}

// FDShare is FDs against FDLimit, 0..1, or 0 when either is unknown.
func (p *Process) FDShare() float64 {
	if p.FDs <= 0 || p.FDLimit <= 0 {
		return 0
	}
	return float64(p.FDs) / float64(p.FDLimit)
}
