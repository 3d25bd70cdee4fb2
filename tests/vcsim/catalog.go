// SPDX-License-Identifier: MIT

// Catalog drift for the test vcsim: counters added to
// PerformanceManager.perfCounter while sessions live, and realtime answers
// that carry a counter id the session's catalog may lack (hosts added
// later, vSAN ESA hosts).
package main

import (
	"fmt"
	"hash/fnv"
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/simulator/vpx"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// counters reported by "stats"
var (
	statCountersAdded int64 // counter-add calls that extended the catalog
	statExtraSeries   int64 // extra-counter series sent in realtime answers
)

// indexCatalog (re)builds p.catalog from p.PerfCounter; called with p's
// lock held or before p is shared.
func (p *strictPerfManager) indexCatalog() {
	p.catalog = make(map[int32]types.PerfCounterInfo, len(p.PerfCounter))
	for _, c := range p.PerfCounter {
		p.catalog[c.Key] = c
	}
}

// QueryPerfCounter overrides vcsim's, whose index never learns of counters
// added later.
func (p *strictPerfManager) QueryPerfCounter(ctx *simulator.Context, req *types.QueryPerfCounter) soap.HasFault {
	body := &methods.QueryPerfCounterBody{Req: req, Res: &types.QueryPerfCounterResponse{}}
	for _, id := range req.CounterId {
		c, ok := p.catalog[id]
		if !ok {
			body.Res = nil
			body.Fault_ = simulator.Fault("", &types.InvalidArgument{InvalidProperty: "CounterId"})
			return body
		}
		body.Res.Returnval = append(body.Res.Returnval, c)
	}
	return body
}

var (
	rollupTypes = map[string]bool{"average": true, "maximum": true, "minimum": true,
		"latest": true, "summation": true, "none": true}
	statsTypes = map[string]bool{"absolute": true, "delta": true, "rate": true}
)

func describe(key string) *types.ElementDescription {
	return &types.ElementDescription{Description: types.Description{Label: key, Summary: key}, Key: key}
}

// newCounter builds a PerfCounterInfo from counter-add's parameters.
func newCounter(r *http.Request) (types.PerfCounterInfo, error) {
	var c types.PerfCounterInfo
	get := func(k string) (string, error) {
		v := r.FormValue(k)
		if v == "" {
			return "", badRequest("missing " + k + "=")
		}
		return v, nil
	}
	var group, name, unit, rollup, stats, level string
	var err error
	for _, f := range []struct {
		k string
		v *string
	}{{"group", &group}, {"name", &name}, {"unit", &unit}, {"rollup", &rollup}, {"statsType", &stats}, {"level", &level}} {
		if *f.v, err = get(f.k); err != nil {
			return c, err
		}
	}
	if !rollupTypes[rollup] {
		return c, badRequest(fmt.Sprintf("bad rollup=%q", rollup))
	}
	if !statsTypes[stats] {
		return c, badRequest(fmt.Sprintf("bad statsType=%q", stats))
	}
	lv, err := strconv.Atoi(level)
	if err != nil || lv < 1 || lv > 4 {
		return c, badRequest(fmt.Sprintf("bad level=%q (1..4)", level))
	}
	if k := r.FormValue("key"); k != "" {
		n, err := strconv.ParseInt(k, 10, 32)
		if err != nil || n <= 0 {
			return c, badRequest(fmt.Sprintf("bad key=%q", k))
		}
		c.Key = int32(n)
	}
	c.GroupInfo, c.NameInfo, c.UnitInfo = describe(group), describe(name), describe(unit)
	c.RollupType = types.PerfSummaryType(rollup)
	c.StatsType = types.PerfStatsType(stats)
	c.Level, c.PerDeviceLevel = int32(lv), int32(lv)
	return c, nil
}

// addCounter appends c to the catalog (key 0: the largest key + 1) and
// returns its key. Callers must not hold p's lock.
func (p *strictPerfManager) addCounter(c types.PerfCounterInfo) (int32, error) {
	var err error
	simulator.Map.WithLock(p, func() {
		if c.Key == 0 {
			for _, o := range p.PerfCounter {
				if o.Key >= c.Key {
					c.Key = o.Key + 1
				}
			}
		} else if _, dup := p.catalog[c.Key]; dup {
			err = badRequest(fmt.Sprintf("key %d is in the catalog already", c.Key))
			return
		}
		// a new array: p.PerfCounter starts out as vpx.PerfCounter itself
		cat := make([]types.PerfCounterInfo, 0, len(p.PerfCounter)+1)
		p.PerfCounter = append(append(cat, p.PerfCounter...), c)
		p.catalog[c.Key] = c
	})
	if err != nil {
		return 0, err
	}
	atomic.AddInt64(&statCountersAdded, 1)
	return c.Key, nil
}

// extraValue is a plausible value for an extra series: vcsim's sample
// table for the counter when the entity type has one, otherwise a steady
// pseudo-random 100..999.
func extraValue(entity types.ManagedObjectReference, id int32, tick int64) int64 {
	if points := vpx.MetricData[entity.Type][id]; len(points) > 0 {
		n := int64(len(points))
		return points[((tick%n)+n)%n]
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "%s\x00%d\x00%d", entity.Value, id, tick)
	return 100 + int64(h.Sum64()%900)
}

// addExtraSeries gives a realtime answer the entity type's extra counter
// (instance ""), one value per sample, unless it has no samples or the
// spec asked for that very series.
func addExtraSeries(em *types.PerfEntityMetric) {
	id := ctl.extraFor(em.Entity.Type)
	if id == 0 || len(em.SampleInfo) == 0 {
		return
	}
	for _, v := range em.Value {
		if s := v.GetPerfMetricSeries(); s.Id.CounterId == id && s.Id.Instance == "" {
			return
		}
	}
	s := &PerfMetricIntSeries{PerfMetricSeries: types.PerfMetricSeries{Id: types.PerfMetricId{CounterId: id}},
		Value: make([]int64, len(em.SampleInfo))}
	for i, si := range em.SampleInfo {
		s.Value[i] = extraValue(em.Entity, id, floorDiv(si.Timestamp.Unix(), 20))
	}
	em.Value = append(em.Value, s)
	atomic.AddInt64(&statExtraSeries, 1)
}
