// SPDX-License-Identifier: MIT

// vCenter's clock for the test vcsim: an offset from this machine's clock
// (a vCenter whose NTP is off), applied to ServiceInstance.CurrentTime and
// to the "now" of every QueryPerf answer.
//
// CurrentTime is a method of vcsim's ServiceInstance, which cannot be
// replaced in the registry (vcsim type-asserts it everywhere), so its
// answer is shifted on the way out: the SDK is served through frontHandler
// on a listener of our own (main.go).
package main

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"time"
)

const maxClockOffset = 366 * 24 * time.Hour

var (
	clockOffsetNs    int64 // time.Duration, atomic
	statClockShifted int64 // CurrentTime answers shifted by the offset
)

func clockOffset() time.Duration { return time.Duration(atomic.LoadInt64(&clockOffsetNs)) }

func setClockOffset(d time.Duration) error {
	if d > maxClockOffset || d < -maxClockOffset {
		return badRequest(fmt.Sprintf("clock offset %v beyond a year", d))
	}
	atomic.StoreInt64(&clockOffsetNs, int64(d))
	return nil
}

// vcNow is "now" on vCenter's clock.
func vcNow() time.Time { return time.Now().Add(clockOffset()) }

var currentTimeReturnval = regexp.MustCompile(`(<CurrentTimeResponse[^>]*>\s*<returnval>)([^<]+)(</returnval>)`)

// shiftCurrentTime moves the time in a CurrentTimeResponse by d.
func shiftCurrentTime(body []byte, d time.Duration) []byte {
	return currentTimeReturnval.ReplaceAllFunc(body, func(m []byte) []byte {
		g := currentTimeReturnval.FindSubmatch(m)
		t, err := time.Parse(time.RFC3339Nano, string(g[2]))
		if err != nil {
			return m
		}
		atomic.AddInt64(&statClockShifted, 1)
		return []byte(string(g[1]) + t.Add(d).Format(time.RFC3339Nano) + string(g[3]))
	})
}

// frontHandler serves vcsim's mux; with a clock offset set it runs a SOAP
// call that may be CurrentTime into a recorder and shifts the answer.
type frontHandler struct{ next http.Handler }

func (f frontHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d := clockOffset()
	if d == 0 || r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, "/sdk") {
		f.next.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	_ = r.Body.Close()
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if !bytes.Contains(body, []byte("CurrentTime")) {
		f.next.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	f.next.ServeHTTP(rec, r)
	out := shiftCurrentTime(rec.Body.Bytes(), d)
	for k, v := range rec.Header() {
		if k != "Content-Length" {
			w.Header()[k] = v
		}
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(out)
}

// frontServer is the listener clients use.
type frontServer struct {
	srv *http.Server
	ln  net.Listener
}

// startFront listens on addr and serves h there, with TLS when cfg is set
// (HTTP/1.1 only, as vcsim's own listener).
func startFront(addr string, h http.Handler, cfg *tls.Config) (*frontServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	if cfg != nil {
		cfg = cfg.Clone()
		cfg.NextProtos = []string{"http/1.1"}
		ln = tls.NewListener(ln, cfg)
	}
	fs := &frontServer{srv: &http.Server{Handler: frontHandler{h}}, ln: ln}
	go func() { _ = fs.srv.Serve(ln) }()
	return fs, nil
}
