package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/yannh/kubeconform/pkg/validator"
)

// caches keeps what is expensive to build — the chart's files and compiled
// schemas — for as long as the files they came from are unchanged.
type caches struct {
	mu         sync.Mutex
	renderers  map[string]cached[*renderer]
	validators map[string]cached[validator.Validator]
}

type cached[T any] struct {
	value       T
	fingerprint string
}

func (c *caches) renderer(chart, kubeVersion string) (*renderer, error) {
	if c == nil {
		return newRenderer(chart, kubeVersion)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	key := chart + "\x00" + kubeVersion
	fp := fingerprint(chart)
	if hit, ok := c.renderers[key]; ok && hit.fingerprint == fp {
		return hit.value, nil
	}
	r, err := newRenderer(chart, kubeVersion)
	if err == nil {
		c.renderers[key] = cached[*renderer]{r, fp}
	}
	return r, err
}

func (c *caches) validator(o schemaOptions, kubeVersion string) (validator.Validator, error) {
	if c == nil {
		return newValidator(o, kubeVersion)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	k, _ := json.Marshal(o)
	key := string(k) + "\x00" + kubeVersion
	var fp strings.Builder
	for _, loc := range o.Locations {
		// The fixed part of a location template is the folder its schemas live in.
		dir, _, _ := strings.Cut(loc, "{{")
		fp.WriteString(fingerprint(filepath.Dir(dir + "x")))
	}
	if hit, ok := c.validators[key]; ok && hit.fingerprint == fp.String() {
		return hit.value, nil
	}
	v, err := newValidator(o, kubeVersion)
	if err == nil {
		c.validators[key] = cached[validator.Validator]{v, fp.String()}
	}
	return v, err
}

// fingerprint of a folder tree: every file's path, size and modification time.
func fingerprint(dir string) string {
	var b strings.Builder
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if info, err := d.Info(); err == nil {
			fmt.Fprintf(&b, "%s %d %d\n", path, info.Size(), info.ModTime().UnixNano())
		}
		return nil
	})
	return b.String()
}

// serve answers one request per connection on a unix socket, one connection
// at a time (each request already uses every core), and exits after `idle`
// without a request, removing its socket.
func serve(socket string, idle time.Duration) error {
	if conn, err := net.Dial("unix", socket); err == nil {
		conn.Close()
		return fmt.Errorf("another engine already serves %s", socket)
	}
	_ = os.Remove(socket)
	ln, err := net.Listen("unix", socket)
	if err != nil {
		return err
	}
	stop := func() {
		ln.Close()
		os.Remove(socket)
	}
	timer := time.AfterFunc(idle, stop)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-sig
		stop()
	}()
	c := &caches{renderers: map[string]cached[*renderer]{}, validators: map[string]cached[validator.Validator]{}}
	for {
		conn, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			continue
		}
		timer.Stop()
		answer(conn, c)
		timer.Reset(idle)
	}
}

func answer(conn net.Conn, c *caches) {
	defer conn.Close()
	var req request
	dec := json.NewDecoder(conn)
	dec.DisallowUnknownFields()
	out := json.NewEncoder(conn)
	out.SetEscapeHTML(false)
	if err := dec.Decode(&req); err != nil {
		_ = out.Encode(map[string]string{"error": fmt.Sprintf("reading the request: %v", err)})
		return
	}
	resp, err := run(req, c)
	if err != nil {
		_ = out.Encode(map[string]string{"error": err.Error()})
		return
	}
	_ = out.Encode(resp)
}
