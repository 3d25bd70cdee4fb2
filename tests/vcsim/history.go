// SPDX-License-Identifier: MIT

// Historical statistics for the test vcsim: vCenter's four default
// statistics intervals (PerformanceManager.historicalInterval, empty in
// vcsim 0.24), their statistics levels, and QueryPerf answers for
// historical specs shaped the way vCenter shapes them (see main.go).
package main

import (
	"fmt"
	"hash/fnv"
	"math"
	"sync/atomic"
	"time"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/simulator/vpx"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// defaultIntervals are vCenter's statistics intervals as a fresh install
// has them: every one enabled, every one at statistics level 1.
var defaultIntervals = []types.PerfInterval{
	{Key: 1, SamplingPeriod: 300, Name: "Past day", Length: 86400, Level: 1, Enabled: true},
	{Key: 2, SamplingPeriod: 1800, Name: "Past week", Length: 604800, Level: 1, Enabled: true},
	{Key: 3, SamplingPeriod: 7200, Name: "Past month", Length: 2592000, Level: 1, Enabled: true},
	{Key: 4, SamplingPeriod: 86400, Name: "Past year", Length: 31536000, Level: 1, Enabled: true},
}

// counters reported by "stats"
var (
	statHistSpecs    int64 // historical specs answered with vCenter's semantics
	statHistSamples  int64 // sample timestamps sent in those answers
	statLevelDropped int64 // metric ids left out: counter above the interval's level
	statUnknownHist  int64 // metric ids left out: counter not in the catalog
)

// setStatsLevel sets the level of the first (300 s) interval, as an
// administrator does in vCenter's statistics settings. Callers must not
// hold p's lock.
func (p *strictPerfManager) setStatsLevel(level int32) error {
	if level < 1 || level > 4 {
		return badRequest(fmt.Sprintf("bad level=%d (1..4)", level))
	}
	simulator.Map.WithLock(p, func() { p.HistoricalInterval[0].Level = level })
	return nil
}

func (p *strictPerfManager) statsLevel() int32 {
	var level int32
	simulator.Map.WithLock(p, func() { level = p.HistoricalInterval[0].Level })
	return level
}

// interval finds the enabled statistics interval an intervalId names (its
// sampling period; none (0) means the first historical interval). Called
// with p's lock held.
func (p *strictPerfManager) interval(id int32) (types.PerfInterval, bool) {
	for _, iv := range p.HistoricalInterval {
		if iv.Enabled && (id == iv.SamplingPeriod || id == 0) {
			return iv, true
		}
	}
	return types.PerfInterval{}, false
}

// floorDiv rounds toward minus infinity (an ESXi with an unset clock lives
// in 1970, before which Go's "/" would round the wrong way).
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// sampleTimes lists, oldest first, the Unix seconds of the samples a
// historical interval holds in the window (start, end]: whole multiples of
// the sampling period, no later than now, no older than the interval's
// length. A missing start means "everything retained"; a missing end or
// one after now means now.
func sampleTimes(iv types.PerfInterval, start, end *time.Time, now time.Time) []int64 {
	period := int64(iv.SamplingPeriod)
	hi := now.Unix() // Unix() is the floor: a sample at hi is <= now
	if end != nil && end.Before(now) {
		hi = end.Unix()
	}
	lo := now.Unix() - int64(iv.Length) // exclusive
	if start != nil && start.Unix() > lo {
		lo = start.Unix()
	}
	first := (floorDiv(lo, period) + 1) * period
	last := floorDiv(hi, period) * period
	if last < first {
		return nil
	}
	out := make([]int64, 0, (last-first)/period+1)
	for t := first; t <= last; t += period {
		out = append(out, t)
	}
	return out
}

// collectedIDs keeps the metric ids vCenter would have collected at this
// level: a counter above the interval's level is not collected at all, and
// one the catalog does not list cannot be in its database either. Called
// with p's lock held.
func (p *strictPerfManager) collectedIDs(ids []types.PerfMetricId, level int32) []types.PerfMetricId {
	var out []types.PerfMetricId
	for _, id := range ids {
		c, known := p.catalog[id.CounterId]
		switch {
		case !known:
			atomic.AddInt64(&statUnknownHist, 1)
		case c.Level > level:
			atomic.AddInt64(&statLevelDropped, 1)
		default:
			out = append(out, id)
		}
	}
	return out
}

// jitter is a deterministic stand-in for vcsim's random noise, in [-1, 1):
// a historical sample is stored once in vCenter's database, so two queries
// for the same sample must get the same value.
func jitter(entity types.ManagedObjectReference, id types.PerfMetricId, ts int64) float64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s\x00%s\x00%d\x00%s\x00%d", entity.Type, entity.Value, id.CounterId, id.Instance, ts)
	return float64(h.Sum64()>>11)/float64(1<<53)*2 - 1
}

// sampleValue takes the value of vcsim's sample table at the sample's
// position in time (0 for a counter without a table, as vcsim does) and
// varies it by up to a fifth, as vcsim's noise does.
func sampleValue(points []int64, entity types.ManagedObjectReference, id types.PerfMetricId, ts, period int64) int64 {
	if len(points) == 0 {
		return 0
	}
	n := int64(len(points))
	v := points[((floorDiv(ts, period)%n)+n)%n]
	if scale := v / 5; scale > 0 {
		v += int64(math.Round(jitter(entity, id, ts) * float64(scale)))
		if v < 0 {
			v = 0
		}
	}
	return v
}

// historicalAnswer answers one historical spec (called with p's lock
// held): maxSample is ignored, the window is (startTime, endTime] within
// what the interval retains, samples sit on whole multiples of the
// sampling period, oldest first, and only counters collected at the
// interval's level have a series. An entity with nothing to show gets an
// entity-only answer, as an empty window does.
func (p *strictPerfManager) historicalAnswer(qs *types.PerfQuerySpec, now time.Time) (*types.PerfEntityMetric, *soap.Fault) {
	iv, ok := p.interval(qs.IntervalId)
	if !ok {
		return nil, simulator.Fault(fmt.Sprintf("A specified parameter was not correct: intervalId (%d is no statistics interval)", qs.IntervalId),
			&types.InvalidArgument{InvalidProperty: "intervalId"})
	}
	atomic.AddInt64(&statHistSpecs, 1)
	em := &types.PerfEntityMetric{PerfEntityMetricBase: types.PerfEntityMetricBase{Entity: qs.Entity}}
	ids := p.collectedIDs(qs.MetricId, iv.Level)
	times := sampleTimes(iv, qs.StartTime, qs.EndTime, now)
	if len(ids) == 0 || len(times) == 0 {
		return em, nil
	}
	atomic.AddInt64(&statHistSamples, int64(len(times)))
	period := int64(iv.SamplingPeriod)
	em.SampleInfo = make([]types.PerfSampleInfo, len(times))
	for i, t := range times {
		em.SampleInfo[i] = types.PerfSampleInfo{Timestamp: time.Unix(t, 0).UTC(), Interval: iv.SamplingPeriod}
	}
	table := vpx.MetricData[qs.Entity.Type]
	for _, id := range ids {
		s := &PerfMetricIntSeries{PerfMetricSeries: types.PerfMetricSeries{Id: id}, Value: make([]int64, len(times))}
		for i, t := range times {
			s.Value[i] = sampleValue(table[id.CounterId], qs.Entity, id, t, period)
		}
		em.Value = append(em.Value, s)
	}
	return em, nil
}
