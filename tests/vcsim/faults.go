// SPDX-License-Identifier: MIT

// Per-entity QueryPerf faults for the test vcsim: vCenter fails a whole
// QueryPerf call for one entity's problem (a host agent error, a stats
// database hiccup), so one entity set to fault takes its batch with it.
package main

import (
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"sync/atomic"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

var statEntityFaults int64 // QueryPerf calls failed by entity-fault

// entityFault is what entity-fault set for one entity.
type entityFault struct {
	kind    string // a vim fault type name, e.g. SystemError
	message string // the faultstring ("" = a made-up one)
}

// entityTypes are the managed entity types QueryPerf knows.
var entityTypes = []string{"VirtualMachine", "HostSystem", "ClusterComputeResource", "ComputeResource",
	"ResourcePool", "VirtualApp", "Datastore", "Datacenter"}

// findEntity resolves TYPE:moref, a bare moref value or a unique name.
func findEntity(s string) (types.ManagedObjectReference, error) {
	if s == "" {
		return types.ManagedObjectReference{}, badRequest("missing name=ENTITY")
	}
	if i := strings.IndexByte(s, ':'); i > 0 {
		ref := types.ManagedObjectReference{Type: s[:i], Value: s[i+1:]}
		if simulator.Map.Get(ref) != nil {
			return ref, nil
		}
	}
	for _, t := range entityTypes {
		ref := types.ManagedObjectReference{Type: t, Value: s}
		if simulator.Map.Get(ref) != nil {
			return ref, nil
		}
	}
	var found []types.ManagedObjectReference
	for _, t := range entityTypes {
		for _, e := range simulator.Map.All(t) {
			var name string
			simulator.Map.WithLock(e, func() { name = e.Entity().Name })
			if name == s {
				found = append(found, e.Reference())
			}
		}
	}
	switch len(found) {
	case 0:
		return types.ManagedObjectReference{}, badRequest(fmt.Sprintf("no entity named %q", s))
	case 1:
		return found[0], nil
	}
	return types.ManagedObjectReference{}, badRequest(fmt.Sprintf("%d entities named %q, use the moref", len(found), s))
}

var methodFaultType = reflect.TypeOf((*types.BaseMethodFault)(nil)).Elem()

// newFault makes a fresh vim fault of the named type (any the vim25
// package knows: SystemError, InvalidArgument, NotSupported, ...).
func newFault(kind string) (types.BaseMethodFault, error) {
	t, ok := types.TypeFunc()(kind)
	if !ok || t.Kind() != reflect.Struct || !reflect.PtrTo(t).Implements(methodFaultType) {
		return nil, badRequest(fmt.Sprintf("bad fault=%q (a vim fault type such as SystemError)", kind))
	}
	return reflect.New(t).Interface().(types.BaseMethodFault), nil
}

// setEntityFault is the entity-fault command: fault="" clears.
func setEntityFault(r *http.Request) (string, error) {
	ref, err := findEntity(r.FormValue("name"))
	if err != nil {
		return "", err
	}
	kind := r.FormValue("fault")
	if kind == "" {
		ctl.mu.Lock()
		delete(ctl.faults, ref)
		ctl.mu.Unlock()
		return fmt.Sprintf("ok %s:%s no fault", ref.Type, ref.Value), nil
	}
	if _, err = newFault(kind); err != nil {
		return "", err
	}
	ctl.mu.Lock()
	ctl.faults[ref] = entityFault{kind: kind, message: r.FormValue("message")}
	ctl.mu.Unlock()
	return fmt.Sprintf("ok %s:%s %s", ref.Type, ref.Value, kind), nil
}

// entityFaultFor returns the fault of the first spec whose entity is set
// to fault, or nil.
func entityFaultFor(specs []types.PerfQuerySpec) *soap.Fault {
	ctl.mu.Lock()
	defer ctl.mu.Unlock()
	if len(ctl.faults) == 0 {
		return nil
	}
	for _, qs := range specs {
		ef, ok := ctl.faults[qs.Entity]
		if !ok {
			continue
		}
		f, _ := newFault(ef.kind) // checked when set
		msg := ef.message
		if msg == "" {
			msg = fmt.Sprintf("simulated %s for %s:%s", ef.kind, qs.Entity.Type, qs.Entity.Value)
		}
		if se, ok := f.(*types.SystemError); ok {
			se.Reason = msg
		}
		atomic.AddInt64(&statEntityFaults, 1)
		return simulator.Fault(msg, f)
	}
	return nil
}

// faultLines lists the entity faults in force for "stats".
func faultLines() []string {
	ctl.mu.Lock()
	defer ctl.mu.Unlock()
	var out []string
	for ref, ef := range ctl.faults {
		out = append(out, fmt.Sprintf("entity_fault %s:%s %s", ref.Type, ref.Value, ef.kind))
	}
	sort.Strings(out)
	return out
}
