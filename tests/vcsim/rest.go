// SPDX-License-Identifier: MIT

// The REST API (/rest/com/vmware/cis/..., tags): govmomi's vapi simulator,
// registered through simulator.RegisterEndpoint when Service.
// RegisterEndpoints is set (main.go; -rest=false leaves it out: /rest then
// answers 404, as a stand-alone ESXi host or a vCenter before 6.5 does).
// What it serves (vapi/simulator/simulator.go, govmomi 0.24):
//
//	POST   /rest/com/vmware/cis/session   basic auth -> {"value":"<uuid>"}
//	       (and a cookie vmware-api-session-id, Path=/rest, unless the
//	       request says vmware-use-header-authn: true)
//	DELETE /rest/com/vmware/cis/session   with the id: ends it
//	GET    /rest/com/vmware/cis/tagging/category, .../tag: the ids
//	GET    .../category/id:<id>, .../tag/id:<id>: one (404 if unknown)
//	POST   .../tag-association?~action=list-attached-tags-on-objects
//	       {"object_ids":[{"type":T,"id":ID}]} -> [{"object_id":..,
//	       "tag_ids":[..]}] (one item per object asked, even without tags)
//	and creation, attach/detach, ... (tests/vsctl tag-* commands).
//
// Every other request needs a live session id (header
// vmware-api-session-id, or the cookie): 401 otherwise. An empty list is
// answered {} (no "value": its encoder omits empty values). Sessions idle
// for -idle-timeout expire; there is no session limit.
//
// What this wrapper adds (restFront, on the front listener):
//   - vcsim's vapi accepts any non-empty user and password at the login;
//     here only -user/-password (else 401), as vCenter;
//   - cmd=rest-login-status status=N makes every login answer N (404: no
//     REST API, 403: no privilege; 0: normal again);
//   - cmd=rest-kill ends every live REST session (as vCenter restarting
//     or expiring them): their next request gets 401;
//   - stats: rest_sessions_live (read from the simulator's own session
//     table, so idle expiry counts), rest_logins, rest_login_refusals,
//     rest_logouts, rest_requests, rest_unauthorized, rest_attached_calls
//     (list-attached-tags-on-objects), rest_attached_objects (objects they
//     asked for).
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	_ "github.com/vmware/govmomi/vapi/simulator" // registers /rest
)

const restSessionPath = "/rest/com/vmware/cis/session"

var rest struct {
	mu          sync.Mutex
	user, pass  string
	loginStatus int
	ids         map[string]bool // ids handed out by logins
	vapi        http.Handler    // the simulator's /rest handler
	mux         http.Handler    // vcsim's whole mux (for rest-kill)
}

var (
	statRestLogins, statRestRefusals, statRestLogouts int64
	statRestRequests, statRestUnauth                  int64
	statRestAttachedCalls, statRestAttachedObjects    int64
)

// restSetup remembers the credentials and finds the vapi handler (after
// NewServer registered it).
func restSetup(mux *http.ServeMux, user, pass string) {
	rest.user, rest.pass = user, pass
	rest.ids = map[string]bool{}
	rest.mux = mux
	h, pattern := mux.Handler(&http.Request{Method: http.MethodGet, URL: &url.URL{Path: restSessionPath}})
	if pattern != "" && strings.HasPrefix(pattern, "/rest") {
		rest.vapi = h
	}
}

// restSessionsLive counts the simulator's own session table (private:
// read through reflection under the handler's lock).
func restSessionsLive() int {
	if rest.vapi == nil {
		return 0
	}
	l, ok := rest.vapi.(sync.Locker)
	v := reflect.ValueOf(rest.vapi)
	if !ok || v.Kind() != reflect.Ptr {
		return -1
	}
	f := v.Elem().FieldByName("Session")
	if !f.IsValid() || f.Kind() != reflect.Map {
		return -1
	}
	l.Lock()
	defer l.Unlock()
	return f.Len()
}

type restFront struct{ next http.Handler }

func newRestFront(next http.Handler) http.Handler { return restFront{next} }

// captureWriter keeps a copy of what the simulator answers a login.
type captureWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (c *captureWriter) WriteHeader(code int) {
	c.status = code
	c.ResponseWriter.WriteHeader(code)
}

func (c *captureWriter) Write(b []byte) (int, error) {
	c.body.Write(b)
	return c.ResponseWriter.Write(b)
}

func (f restFront) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, "/rest/") {
		f.next.ServeHTTP(w, r)
		return
	}
	atomic.AddInt64(&statRestRequests, 1)
	login := r.Method == http.MethodPost && r.URL.Path == restSessionPath && r.URL.Query().Get("~action") == ""
	if login {
		f.login(w, r)
		return
	}
	if r.Method == http.MethodDelete && r.URL.Path == restSessionPath {
		atomic.AddInt64(&statRestLogouts, 1)
	}
	if r.URL.Query().Get("~action") == "list-attached-tags-on-objects" {
		f.countAttached(r)
	}
	cw := &captureWriter{ResponseWriter: w, status: http.StatusOK}
	f.next.ServeHTTP(cw, r)
	if cw.status == http.StatusUnauthorized {
		atomic.AddInt64(&statRestUnauth, 1)
	}
}

func (f restFront) login(w http.ResponseWriter, r *http.Request) {
	rest.mu.Lock()
	status := rest.loginStatus
	rest.mu.Unlock()
	u, p, ok := r.BasicAuth()
	if status == 0 && (!ok || u != rest.user || p != rest.pass) {
		status = http.StatusUnauthorized
	}
	if status != 0 {
		atomic.AddInt64(&statRestRefusals, 1)
		w.WriteHeader(status)
		return
	}
	cw := &captureWriter{ResponseWriter: w, status: http.StatusOK}
	f.next.ServeHTTP(cw, r)
	var answer struct {
		Value string `json:"value"`
	}
	if cw.status == http.StatusOK && json.Unmarshal(cw.body.Bytes(), &answer) == nil && answer.Value != "" {
		atomic.AddInt64(&statRestLogins, 1)
		rest.mu.Lock()
		rest.ids[answer.Value] = true
		rest.mu.Unlock()
	}
}

func (f restFront) countAttached(r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
	_ = r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return
	}
	var spec struct {
		ObjectIDs []json.RawMessage `json:"object_ids"`
	}
	if json.Unmarshal(body, &spec) == nil {
		atomic.AddInt64(&statRestAttachedCalls, 1)
		atomic.AddInt64(&statRestAttachedObjects, int64(len(spec.ObjectIDs)))
	}
}

// restKill ends every session a login handed out (a DELETE through the
// simulator with each id; ids already gone answer 401 and are dropped).
func restKill() int {
	next := rest.mux
	rest.mu.Lock()
	ids := make([]string, 0, len(rest.ids))
	for id := range rest.ids {
		ids = append(ids, id)
	}
	rest.ids = map[string]bool{}
	rest.mu.Unlock()
	killed := 0
	for _, id := range ids {
		req := httptest.NewRequest(http.MethodDelete, restSessionPath, nil)
		req.Header.Set("vmware-api-session-id", id)
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, req)
		if rec.Code == http.StatusOK {
			killed++
		}
	}
	return killed
}

func restLoginStatus(r *http.Request) (string, error) {
	n, err := strconv.Atoi(r.FormValue("status"))
	if err != nil || (n != 0 && (n < 400 || n > 599)) {
		return "", badRequest("status must be 0 or an HTTP error status 400..599")
	}
	rest.mu.Lock()
	rest.loginStatus = n
	rest.mu.Unlock()
	return fmt.Sprintf("ok rest-login-status %d", n), nil
}

func restStats() []string {
	return []string{
		fmt.Sprintf("rest_sessions_live %d", restSessionsLive()),
		fmt.Sprintf("rest_logins %d", atomic.LoadInt64(&statRestLogins)),
		fmt.Sprintf("rest_login_refusals %d", atomic.LoadInt64(&statRestRefusals)),
		fmt.Sprintf("rest_logouts %d", atomic.LoadInt64(&statRestLogouts)),
		fmt.Sprintf("rest_requests %d", atomic.LoadInt64(&statRestRequests)),
		fmt.Sprintf("rest_unauthorized %d", atomic.LoadInt64(&statRestUnauth)),
		fmt.Sprintf("rest_attached_calls %d", atomic.LoadInt64(&statRestAttachedCalls)),
		fmt.Sprintf("rest_attached_objects %d", atomic.LoadInt64(&statRestAttachedObjects)),
	}
}
