// Command paddock-runc is an OCI runtime wrapper for hosts whose capability
// bounding set is smaller than what Docker asks for (a Firecracker VM without
// CAP_SYS_RESOURCE, for one). Docker 20.10 puts every capability in the spec
// of a --privileged container (kind's nodes are privileged), and runc then
// fails with "unable to apply caps: operation not permitted". This wrapper
// removes from the bundle's config.json the capabilities the host itself does
// not have, then executes runc with the same arguments. Nothing else changes.
//
// Registered by tools/e2e/engine.sh with `dockerd --add-runtime
// paddock-runc=<this> --default-runtime paddock-runc`, and only on hosts that
// lack a capability; elsewhere Docker runs runc directly.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Linux capability numbers (linux/capability.h), in order.
var capNames = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
	"CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
	"CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
	"CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
	"CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
}

func fail(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "paddock-runc: "+format+"\n", a...)
	os.Exit(1)
}

// hostCaps: the names of the capabilities in this process's bounding set.
func hostCaps() map[string]bool {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		fail("cannot read /proc/self/status: %v", err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "CapBnd:"); ok {
			mask, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				fail("cannot parse CapBnd %q: %v", v, err)
			}
			have := map[string]bool{}
			for i, name := range capNames {
				if mask&(1<<uint(i)) != 0 {
					have[name] = true
				}
			}
			return have
		}
	}
	fail("no CapBnd line in /proc/self/status")
	return nil
}

// specFile: the file whose capabilities runc will apply — the bundle's
// config.json for create/run (--bundle/-b, default the current directory),
// the --process file for exec (docker exec --privileged) — or "".
func specFile(args []string) string {
	op, dir, process := "", ".", ""
	for i, a := range args {
		next := ""
		if i+1 < len(args) {
			next = args[i+1]
		}
		switch {
		case op == "" && (a == "create" || a == "run" || a == "exec"):
			op = a
		case a == "--bundle" || a == "-b":
			dir = next
		case strings.HasPrefix(a, "--bundle="):
			dir = strings.TrimPrefix(a, "--bundle=")
		case a == "--process" || a == "-p":
			process = next
		case strings.HasPrefix(a, "--process="):
			process = strings.TrimPrefix(a, "--process=")
		}
	}
	switch op {
	case "create", "run":
		return filepath.Join(dir, "config.json")
	case "exec":
		return process
	}
	return ""
}

// dropCaps removes from every capability list under caps the names not in have.
func dropCaps(caps any, have map[string]bool) {
	if m, ok := caps.(map[string]any); ok {
		for k, v := range m {
			if list, ok := v.([]any); ok {
				m[k] = filter(list, have)
			}
		}
	}
}

func filter(list []any, have map[string]bool) []any {
	out := []any{}
	for _, c := range list {
		if s, ok := c.(string); ok && !have[s] {
			continue
		}
		out = append(out, c)
	}
	return out
}

func main() {
	runc := os.Getenv("PADDOCK_RUNC")
	if runc == "" {
		var err error
		if runc, err = exec.LookPath("runc"); err != nil {
			fail("runc is not on PATH: %v", err)
		}
	}
	if path := specFile(os.Args[1:]); path != "" {
		raw, err := os.ReadFile(path)
		if err != nil {
			fail("cannot read %s: %v", path, err)
		}
		var spec map[string]any
		if err := json.Unmarshal(raw, &spec); err != nil {
			fail("%s is not JSON: %v", path, err)
		}
		have := hostCaps()
		if proc, ok := spec["process"].(map[string]any); ok { // config.json
			dropCaps(proc["capabilities"], have)
		} else { // an exec's process.json
			dropCaps(spec["capabilities"], have)
		}
		out, err := json.Marshal(spec)
		if err != nil {
			fail("cannot encode %s: %v", path, err)
		}
		if err := os.WriteFile(path, out, 0o600); err != nil {
			fail("cannot write %s: %v", path, err)
		}
	}
	argv := append([]string{runc}, os.Args[1:]...)
	if err := syscall.Exec(runc, argv, os.Environ()); err != nil {
		fail("cannot execute %s: %v", runc, err)
	}
}
