// SPDX-License-Identifier: MIT

// The property collector's update stream in the test vcsim.
//
//   - Accounting: the private collectors each session made (CreatePropertyCollector)
//     and their filters, so that tests can assert that a client never holds
//     more than it should across re-logins ("stats": update_collectors_live,
//     update_filters_live, update_collectors_created, wait_for_updates_calls).
//     vCenter destroys a session's collectors with the session; vcsim keeps
//     them, so only those of live sessions count.
//   - WaitForUpdatesEx with maxWaitSeconds 0 and nothing queued answers at
//     once, as vCenter does (vcsim waits 250 ms first).
//   - A change queued for an object that is then removed is dropped when it
//     is removed (leaveGuard): vcsim 0.24 panics on it.
//   - The changes of the collector through which events.go sees every
//     event are not queued: vcsim makes a full pass of every filter for
//     each change queued (10,000 events: 17 s at 400 VMs).
//   - Changes vcsim 0.24 makes without telling its property collectors, which
//     vCenter reports like any other: a host entering or leaving maintenance
//     mode (EnterMaintenanceMode_Task sets the field directly). A watcher
//     reports them through the registry, as vcsim's own code does for power
//     operations and renames.
package main

import (
	"reflect"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

var (
	statWaitForUpdates int64 // WaitForUpdatesEx calls
	statRetrieve       int64 // RetrievePropertiesEx calls (full passes, re-reads)
	statDropped        int64 // collectors dropped by cmd=stream-drop
)

type streamTracker struct {
	mu      sync.Mutex
	session map[*pagingCollector]string // live private collector -> session
	made    int64
	gone    int64 // destroyed by DestroyPropertyCollector
}

var streams = &streamTracker{session: make(map[*pagingCollector]string)}

func (t *streamTracker) created(session string, pc *pagingCollector) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.session[pc] = session
	t.made++
}

func (t *streamTracker) destroyed(pc *pagingCollector) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.session[pc]; ok {
		t.gone++
	}
	delete(t.session, pc)
}

// drop makes every private collector vanish as if vCenter had lost it
// (vpxd restarted its property collector): later calls on it fault with
// ManagedObjectNotFound.
func (t *streamTracker) drop() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for pc := range t.session {
		pc.lost = true
		simulator.Map.RemoveHandler(&pc.PropertyCollector)
		delete(t.session, pc)
		n++
	}
	atomic.AddInt64(&statDropped, int64(n))
	return n
}

func notFound(ref types.ManagedObjectReference) *soap.Fault {
	return simulator.Fault("The object has already been deleted or has not been completely created",
		&types.ManagedObjectNotFound{Obj: ref})
}

// live counts the private collectors of live sessions and their filters.
func (t *streamTracker) live() (collectors, filters int, made, destroyed int64) {
	alive := liveSessions()
	t.mu.Lock()
	defer t.mu.Unlock()
	for pc, s := range t.session {
		if !alive[s] {
			delete(t.session, pc) // its session ended: vCenter drops it
			continue
		}
		collectors++
		filters += len(pc.Filter)
	}
	return collectors, filters, t.made, t.gone
}

// WaitForUpdatesEx: vcsim's, counted. The first call registers the
// collector for the registry's changes; it is registered through a guard
// instead (see leaveGuard).
func (pc *pagingCollector) WaitForUpdatesEx(ctx *simulator.Context, r *types.WaitForUpdatesEx) soap.HasFault {
	atomic.AddInt64(&statWaitForUpdates, 1)
	if pc.lost {
		return &methods.WaitForUpdatesExBody{Fault_: notFound(pc.Self)}
	}
	if r.Version != "" && r.Options != nil && r.Options.MaxWaitSeconds != nil &&
		*r.Options.MaxWaitSeconds == 0 && len(pc.Filter) > 0 && nothingQueued(&pc.PropertyCollector) {
		// vCenter answers "nothing changed" at once; vcsim waits 250 ms
		return &methods.WaitForUpdatesExBody{Res: &types.WaitForUpdatesExResponse{}}
	}
	res := pc.PropertyCollector.WaitForUpdatesEx(ctx, r)
	if r.Version == "" {
		simulator.Map.RemoveHandler(&pc.PropertyCollector)
		simulator.Map.AddHandler(&leaveGuard{pc: &pc.PropertyCollector})
	}
	return res
}

// leaveGuard passes the registry's changes to a collector, and when an
// object is removed drops the changes of it still queued. vcsim 0.24
// panics (the HTTP connection is closed, the queued changes are lost) when
// it filters a change of an object that no longer exists, e.g. a VM
// powered off and destroyed between two WaitForUpdatesEx; vCenter reports
// the object's leaving.
type leaveGuard struct{ pc *simulator.PropertyCollector }

func (g *leaveGuard) Reference() types.ManagedObjectReference { return g.pc.Reference() }
func (g *leaveGuard) PutObject(o mo.Reference)                { g.pc.PutObject(o) }
func (g *leaveGuard) UpdateObject(o mo.Reference, c []types.PropertyChange) {
	if isEventTap(o.Reference()) {
		// vcsim would make a full pass of every filter for it at the next
		// WaitForUpdatesEx, for an object no filter can name (events.go)
		return
	}
	g.pc.UpdateObject(o, c)
}
func (g *leaveGuard) RemoveObject(ref types.ManagedObjectReference) {
	mu, queued := pendingUpdates(g.pc)
	mu.Lock()
	kept := (*queued)[:0]
	for _, u := range *queued {
		if u.Obj != ref || u.Kind != types.ObjectUpdateKindModify {
			kept = append(kept, u)
		}
	}
	*queued = kept
	mu.Unlock()
	g.pc.RemoveObject(ref)
}

func nothingQueued(pc *simulator.PropertyCollector) bool {
	mu, queued := pendingUpdates(pc)
	mu.Lock()
	defer mu.Unlock()
	return len(*queued) == 0
}

// pendingUpdates reaches the collector's queue of changes (unexported in
// vcsim 0.24: fields "mu" and "updates").
func pendingUpdates(pc *simulator.PropertyCollector) (*sync.Mutex, *[]types.ObjectUpdate) {
	v := reflect.ValueOf(pc).Elem()
	mu := (*sync.Mutex)(unsafe.Pointer(v.FieldByName("mu").UnsafeAddr()))
	queued := (*[]types.ObjectUpdate)(unsafe.Pointer(v.FieldByName("updates").UnsafeAddr()))
	return mu, queued
}

// watchMaintenance reports maintenance-mode changes to the property
// collectors, every 100 ms.
func watchMaintenance() {
	last := make(map[types.ManagedObjectReference]bool)
	for {
		for _, e := range simulator.Map.All("HostSystem") {
			h, ok := e.(*simulator.HostSystem)
			if !ok {
				continue
			}
			ref := h.Reference()
			var on bool
			simulator.Map.WithLock(h, func() { on = h.Runtime.InMaintenanceMode })
			if was, seen := last[ref]; seen && was != on {
				simulator.Map.Update(h, []types.PropertyChange{
					{Name: "runtime.inMaintenanceMode", Val: on}})
			}
			last[ref] = on
		}
		time.Sleep(100 * time.Millisecond)
	}
}
