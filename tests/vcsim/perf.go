// SPDX-License-Identifier: MIT

// Strict QueryPerf for the test vcsim: a wrapper around govmomi's
// simulator.PerformanceManager that answers QueryPerf the way a production
// vCenter does where vcsim forgives (see the comment at the top of main.go),
// plus the knobs of the /vcsim-control endpoint (control.go).
package main

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// maxSlow bounds the per-call sleep of a "slow" host.
const maxSlow = 600 * time.Second

// knobs is the state set through /vcsim-control, read by QueryPerf.
type knobs struct {
	mu     sync.Mutex
	slow   map[types.ManagedObjectReference]time.Duration // host -> delay
	lag    map[string]time.Duration                       // entity type -> lag
	faults map[types.ManagedObjectReference]entityFault   // entity -> QueryPerf fault
	extra  map[string]int32                               // entity type -> extra counter id
}

var ctl = newKnobs()

func newKnobs() *knobs {
	return &knobs{
		slow:   make(map[types.ManagedObjectReference]time.Duration),
		lag:    make(map[string]time.Duration),
		faults: make(map[types.ManagedObjectReference]entityFault),
		extra:  make(map[string]int32),
	}
}

// clear forgets every knob set for tests (slow, lag, entity-fault,
// extra-counter); vCenter's own state (catalog, statistics level, clock)
// stays.
func (k *knobs) clear() {
	fresh := newKnobs()
	k.mu.Lock()
	k.slow, k.lag, k.faults, k.extra = fresh.slow, fresh.lag, fresh.faults, fresh.extra
	k.mu.Unlock()
}

// counters reported by "stats"
var (
	statQueryPerf   int64 // QueryPerf calls
	statNotFound    int64 // ManagedObjectNotFound faults sent
	statHostFault   int64 // HostNotConnected / HostNotReachable faults sent
	statSlow        int64 // calls delayed by a slow host
	statSlowAborted int64 // ... of which the client went away during the delay
	statLagged      int64 // query specs whose endTime was moved back by a lag
	statEmpty       int64 // query specs answered without samples (start >= end)

	statHistorical    int64 // QueryPerf calls with at least one historical spec
	statHistMaxSeen   int64 // the most metrics one historical QueryPerf asked for
	statMaxQueryFault int64 // calls refused for config.vpxd.stats.maxQueryMetrics
)

func (k *knobs) slowFor(host types.ManagedObjectReference) time.Duration {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.slow[host]
}

func (k *knobs) lagFor(kind string) time.Duration {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.lag[kind]
}

func (k *knobs) extraFor(kind string) int32 {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.extra[kind]
}

// strictPerfManager replaces the model's PerformanceManager in
// simulator.Map (same moref, PerfMgr). It embeds the original BY VALUE, not
// by pointer: the property collector (getManagedObject) finds the mo type by
// following the first field of nested structs and panics on a pointer, so an
// embedded *PerformanceManager would break RetrievePropertiesEx of
// perfCounter. All other methods (QueryPerfCounter, QueryAvailablePerfMetric,
// QueryPerfProviderSummary) are promoted unchanged.
//
// It implements sync.Locker: Registry.WithLock then uses this mutex instead
// of the registry's per-object one, so QueryPerf stays serialised as before
// except while a call sleeps for a slow host (the lock is released then, so
// a query for another host is not held up by it).
type strictPerfManager struct {
	simulator.PerformanceManager
	mu      sync.Mutex
	catalog map[int32]types.PerfCounterInfo // perfCounter by key (catalog.go)
}

func (p *strictPerfManager) Lock()   { p.mu.Lock() }
func (p *strictPerfManager) Unlock() { p.mu.Unlock() }

// installStrictPerfManager swaps the wrapper into simulator.Map.
func installStrictPerfManager(ref types.ManagedObjectReference) error {
	orig, ok := simulator.Map.Get(ref).(*simulator.PerformanceManager)
	if !ok {
		return fmt.Errorf("no *simulator.PerformanceManager at %v", ref)
	}
	w := &strictPerfManager{}
	simulator.Map.WithLock(orig, func() { w.PerformanceManager = *orig })
	w.HistoricalInterval = append([]types.PerfInterval(nil), defaultIntervals...)
	w.indexCatalog()
	simulator.Map.Put(w)
	if simulator.Map.Get(ref) != w {
		return fmt.Errorf("replacing %v in the registry failed", ref)
	}
	perfMgr = w
	return nil
}

// perfMgr is the installed wrapper, for the control commands.
var perfMgr *strictPerfManager

// requestContext digs the HTTP request out of the simulator.Context (its
// field is unexported and ctx.Context is context.Background() in 0.24), so
// that a sleep can end when the client goes away.
func requestContext(ctx *simulator.Context) context.Context {
	if ctx != nil {
		f := reflect.ValueOf(ctx).Elem().FieldByName("req")
		if f.IsValid() && f.Type() == reflect.TypeOf((*http.Request)(nil)) && f.Pointer() != 0 {
			return (*http.Request)(unsafe.Pointer(f.Pointer())).Context()
		}
	}
	return context.Background()
}

// hostOf returns the HostSystem an entity's realtime stats come from: the
// host itself, or a VM's runtime.host; nil for other entities.
func hostOf(obj interface{}) *simulator.HostSystem {
	switch o := obj.(type) {
	case *simulator.HostSystem:
		return o
	case *simulator.VirtualMachine:
		var ref *types.ManagedObjectReference
		simulator.Map.WithLock(o, func() {
			if o.Runtime.Host != nil {
				r := *o.Runtime.Host
				ref = &r
			}
		})
		if ref != nil {
			if h, ok := simulator.Map.Get(*ref).(*simulator.HostSystem); ok {
				return h
			}
		}
	}
	return nil
}

func notFoundFault(ref types.ManagedObjectReference) *soap.Fault {
	return simulator.Fault(fmt.Sprintf("The object 'vim.%s:%s' has already been deleted or has not been completely created",
		ref.Type, ref.Value), &types.ManagedObjectNotFound{Obj: ref})
}

// maxQueryMetricsKey is vCenter's bound on historical QueryPerf calls
// (OptionManager "VpxSettings"; -1 = no bound). main.go adds it for
// -max-query-metrics; QueryPerf reads the live setting, so an UpdateOptions
// call changes the bound as it would on vCenter.
const maxQueryMetricsKey = "config.vpxd.stats.maxQueryMetrics"

// maxQueryMetricsMsg is vCenter's faultstring (fault type InvalidArgument).
const maxQueryMetricsMsg = "This operation is restricted by the administrator - 'vpxd.stats.maxQueryMetrics'. Contact your system administrator."

// vpxSettings is the model's OptionManager (ServiceContent.setting,
// "VpxSettings"), found by findVpxSettings.
var vpxSettings *simulator.OptionManager

func findVpxSettings() error {
	ref := types.ManagedObjectReference{Type: "OptionManager", Value: "VpxSettings"}
	om, ok := simulator.Map.Get(ref).(*simulator.OptionManager)
	if !ok {
		return fmt.Errorf("no *simulator.OptionManager at %v", ref)
	}
	vpxSettings = om
	return nil
}

// setMaxQueryMetrics adds (or replaces) config.vpxd.stats.maxQueryMetrics
// in the VpxSettings OptionManager, as an int (xsd:int) value.
func setMaxQueryMetrics(n int32) error {
	if vpxSettings == nil {
		if err := findVpxSettings(); err != nil {
			return err
		}
	}
	om := vpxSettings
	simulator.Map.WithLock(om, func() {
		// a copy: om.Setting may share its array with the package-level
		// vpx.Setting default
		settings := make([]types.BaseOptionValue, 0, len(om.Setting)+1)
		for _, o := range om.Setting {
			if o.GetOptionValue().Key != maxQueryMetricsKey {
				settings = append(settings, o)
			}
		}
		om.Setting = append(settings, &types.OptionValue{Key: maxQueryMetricsKey, Value: n})
	})
	return nil
}

// maxQueryMetrics returns the bound in force: (n, true) when the option is
// set to n >= 0; a missing, negative (-1 = unlimited) or unparsable value
// bounds nothing.
func maxQueryMetrics() (int64, bool) {
	om := vpxSettings
	if om == nil {
		return 0, false
	}
	var val interface{}
	found := false
	simulator.Map.WithLock(om, func() {
		for _, o := range om.Setting {
			if ov := o.GetOptionValue(); ov.Key == maxQueryMetricsKey {
				val, found = ov.Value, true
			}
		}
	})
	if !found {
		return 0, false
	}
	var n int64
	switch v := val.(type) {
	case int32:
		n = int64(v)
	case int64:
		n = v
	case int:
		n = int64(v)
	case int16:
		n = int64(v)
	case int8:
		n = int64(v)
	case string: // UpdateOptions with an xsd:string value
		var err error
		if n, err = strconv.ParseInt(strings.TrimSpace(v), 10, 64); err != nil {
			return 0, false
		}
	default:
		return 0, false
	}
	return n, n >= 0
}

// realtimeTypes: entity types with realtime (20 s) stats.
var realtimeTypes = map[string]bool{"HostSystem": true, "VirtualMachine": true}

// isHistorical: the spec asks for a historical interval, i.e. any
// intervalId but 20, or none (0) for an entity without realtime stats.
func isHistorical(qs *types.PerfQuerySpec) bool {
	if qs.IntervalId == 0 {
		return !realtimeTypes[qs.Entity.Type]
	}
	return qs.IntervalId != 20
}

// checkMaxQueryMetrics counts the metrics of the historical specs (entity x
// metricId pairs; instance "*" is one; a spec without metricId asks for
// every counter) and refuses the call over the bound, as vCenter does.
func (p *strictPerfManager) checkMaxQueryMetrics(req *types.QueryPerf) *soap.Fault {
	var count int64
	historical := false
	for i := range req.QuerySpec {
		qs := &req.QuerySpec[i]
		if !isHistorical(qs) {
			continue
		}
		historical = true
		if len(qs.MetricId) > 0 {
			count += int64(len(qs.MetricId))
		} else {
			count += int64(len(p.PerfCounter))
		}
	}
	if !historical {
		return nil
	}
	atomic.AddInt64(&statHistorical, 1)
	for {
		seen := atomic.LoadInt64(&statHistMaxSeen)
		if count <= seen || atomic.CompareAndSwapInt64(&statHistMaxSeen, seen, count) {
			break
		}
	}
	if limit, ok := maxQueryMetrics(); ok && count > limit {
		atomic.AddInt64(&statMaxQueryFault, 1)
		return simulator.Fault(maxQueryMetricsMsg, &types.InvalidArgument{})
	}
	return nil
}

// PerfMetricIntSeries is types.PerfMetricIntSeries without omitempty on
// Value (the encoder writes this type's name as xsi:type, so it keeps the
// WSDL's). govmomi's XML encoder applies omitempty to every element of a
// slice: vcsim leaves out each sample that is 0, so a series answers fewer
// values than sampleInfo has timestamps, the rest shifted onto the wrong
// timestamps, and a counter that is 0 for a while vanishes for minutes.
// vCenter sends every value, 0 included (-1 when it has none).
type PerfMetricIntSeries struct {
	types.PerfMetricSeries

	Value []int64 `xml:"value"`
}

// GetPerfMetricSeries implements types.BasePerfMetricSeries.
func (s *PerfMetricIntSeries) GetPerfMetricSeries() *types.PerfMetricSeries {
	return &s.PerfMetricSeries
}

// keepZeros swaps every int series of a QueryPerf answer for the type above.
func keepZeros(res soap.HasFault) {
	body, ok := res.(*methods.QueryPerfBody)
	if !ok || body.Res == nil {
		return
	}
	for _, base := range body.Res.Returnval {
		em, ok := base.(*types.PerfEntityMetric)
		if !ok {
			continue
		}
		for i, v := range em.Value {
			if is, ok := v.(*types.PerfMetricIntSeries); ok {
				em.Value[i] = &PerfMetricIntSeries{PerfMetricSeries: is.PerfMetricSeries, Value: is.Value}
			}
		}
	}
}

// QueryPerf overrides simulator.PerformanceManager.QueryPerf (called with
// p's lock held, see Lock above).
func (p *strictPerfManager) QueryPerf(ctx *simulator.Context, req *types.QueryPerf) soap.HasFault {
	res := p.query(ctx, req)
	keepZeros(res)
	return res
}

func (p *strictPerfManager) query(ctx *simulator.Context, req *types.QueryPerf) soap.HasFault {
	atomic.AddInt64(&statQueryPerf, 1)
	body := &methods.QueryPerfBody{Req: req}

	// 0. vCenter bounds the metrics of a historical query
	//    (config.vpxd.stats.maxQueryMetrics); vcsim has no such bound
	if f := p.checkMaxQueryMetrics(req); f != nil {
		body.Fault_ = f
		return body
	}

	// 1. every entity must exist (vCenter: ManagedObjectNotFound for the
	//    whole call; vcsim would happily invent samples for it)
	objs := make([]interface{}, len(req.QuerySpec))
	for i, qs := range req.QuerySpec {
		o := simulator.Map.Get(qs.Entity)
		if o == nil {
			atomic.AddInt64(&statNotFound, 1)
			body.Fault_ = notFoundFault(qs.Entity)
			return body
		}
		objs[i] = o
	}

	// 1b. an entity set to fault (entity-fault) fails the whole call
	if f := entityFaultFor(req.QuerySpec); f != nil {
		body.Fault_ = f
		return body
	}

	// 2. a host that is not connected cannot answer realtime stats for
	//    itself or its VMs; 3. a slow host delays the whole call
	var delay time.Duration
	var slowHost string
	for i := range req.QuerySpec {
		h := hostOf(objs[i])
		if h == nil {
			continue
		}
		var state types.HostSystemConnectionState
		var name string
		simulator.Map.WithLock(h, func() { state, name = h.Runtime.ConnectionState, h.Name })
		switch state {
		case types.HostSystemConnectionStateDisconnected:
			atomic.AddInt64(&statHostFault, 1)
			body.Fault_ = simulator.Fault(fmt.Sprintf("Unable to communicate with the remote host, since it is disconnected. (%s)", name),
				&types.HostNotConnected{})
			return body
		case types.HostSystemConnectionStateNotResponding:
			atomic.AddInt64(&statHostFault, 1)
			body.Fault_ = simulator.Fault(fmt.Sprintf("Cannot contact the specified host (%s). The host may not be available on the network, a network configuration problem may exist, or the management services on this host may not be responding.", name),
				&types.HostNotReachable{})
			return body
		}
		if d := ctl.slowFor(h.Self); d > delay {
			delay, slowHost = d, name
		}
	}
	if delay > 0 {
		atomic.AddInt64(&statSlow, 1)
		if delay > maxSlow {
			delay = maxSlow
		}
		rctx := requestContext(ctx)
		t := time.NewTimer(delay)
		p.mu.Unlock() // let other QueryPerf calls through meanwhile
		select {
		case <-t.C:
		case <-rctx.Done():
			t.Stop()
		}
		p.mu.Lock()
		if rctx.Err() != nil {
			atomic.AddInt64(&statSlowAborted, 1)
			body.Fault_ = simulator.Fault("client went away while host "+slowHost+" was slow", &types.RequestCanceled{})
			return body
		}
		// the inventory may have changed while we slept
		for _, qs := range req.QuerySpec {
			if simulator.Map.Get(qs.Entity) == nil {
				atomic.AddInt64(&statNotFound, 1)
				body.Fault_ = notFoundFault(qs.Entity)
				return body
			}
		}
	}

	// 4. lag: historical samples are posted late, so "now" is earlier for
	//    that entity type; 5. an empty time window (vCenter: startTime is
	//    exclusive) yields no samples; vcsim would compute a sample count of
	//    1 + (end-start)/interval, i.e. 1 or a negative count (panic).
	//    "Now" is vCenter's clock (-clock-offset).
	now := vcNow()
	empty := make([]bool, len(req.QuerySpec))
	for i := range req.QuerySpec {
		qs := &req.QuerySpec[i]
		end := now
		if lag := ctl.lagFor(qs.Entity.Type); lag > 0 {
			end = now.Add(-lag)
			if qs.EndTime == nil || qs.EndTime.After(end) {
				e := end
				qs.EndTime = &e
				atomic.AddInt64(&statLagged, 1)
			}
		}
		if qs.EndTime != nil {
			end = *qs.EndTime
		}
		if qs.StartTime != nil && !qs.StartTime.Before(end) {
			empty[i] = true
			atomic.AddInt64(&statEmpty, 1)
		}
	}
	return p.answer(ctx, req, empty, now)
}

// answer builds the reply in the order of the specs: entity only for an
// empty window, vCenter's historical semantics for historical specs
// (history.go), vcsim's own answer for realtime ones, each with the extra
// series of extra-counter (catalog.go).
func (p *strictPerfManager) answer(ctx *simulator.Context, req *types.QueryPerf, empty []bool, now time.Time) soap.HasFault {
	body := &methods.QueryPerfBody{Req: req}
	out := make([]types.BasePerfEntityMetricBase, len(req.QuerySpec))
	var realtime []types.PerfQuerySpec
	var at []int // realtime[j] answers spec at[j]
	for i := range req.QuerySpec {
		qs := &req.QuerySpec[i]
		switch {
		case empty[i]: // entity only: no sampleInfo, no value
			out[i] = &types.PerfEntityMetric{PerfEntityMetricBase: types.PerfEntityMetricBase{Entity: qs.Entity}}
		case isHistorical(qs):
			em, f := p.historicalAnswer(qs, now)
			if f != nil {
				body.Fault_ = f
				return body
			}
			out[i] = em
		default:
			spec := *qs
			if spec.EndTime == nil && clockOffset() != 0 {
				spec.EndTime = &now // vcsim would take this machine's clock
			}
			realtime = append(realtime, spec)
			at = append(at, i)
		}
	}
	if len(realtime) > 0 {
		sub := *req
		sub.QuerySpec = realtime
		res := p.PerformanceManager.QueryPerf(ctx, &sub)
		if res.Fault() != nil {
			return res
		}
		for j, m := range res.(*methods.QueryPerfBody).Res.Returnval {
			if em, ok := m.(*types.PerfEntityMetric); ok {
				addExtraSeries(em)
				splitDatastoreSeries(em)
			}
			out[at[j]] = m
		}
	}
	body.Res = &types.QueryPerfResponse{Returnval: out}
	return body
}
