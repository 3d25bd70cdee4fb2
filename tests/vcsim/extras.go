// SPDX-License-Identifier: MIT

// What a production vCenter has and stock vcsim 0.24 lacks, for issue 16:
//
//   - Datastores carry a VMFS volume id in summary.url
//     ("ds:///vmfs/volumes/<id>/"; info.url stays vcsim's temp dir, which
//     it needs for files), and the per-instance datastore.* counters of
//     VMs and hosts are answered per datastore of the entity with that id
//     as instance, as vCenter does (stock vcsim echoes instance "*").
//   - Every host has three more hardware sensors with readings and units
//     (a temperature, and two fans of one name, as some BMCs report), and
//     cmd=sensor-health sets one sensor's health through the property
//     collector (the update stream sees it).
//   - SetField replaces the entity's value for that key (vCenter keeps one
//     per key; vcsim appends) and tells the property collector, so that the
//     update stream sees customValue change.
package main

import (
	"fmt"
	"hash/fnv"
	"net/http"
	"sync"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

// volumeID is a VMFS-style volume id made from a moref (stable across runs).
func volumeID(moref string) string {
	h := fnv.New64a()
	h.Write([]byte(moref))
	a := h.Sum64()
	h.Write([]byte("/"))
	b := h.Sum64()
	return fmt.Sprintf("%08x-%08x-%04x-%012x", uint32(a>>32), uint32(a), uint16(b>>48), b&0xffffffffffff)
}

var datastoreIDs sync.Map // datastore moref value -> volume id

func installDatastoreIDs() {
	for _, e := range simulator.Map.All("Datastore") {
		ds, ok := e.(*simulator.Datastore)
		if !ok {
			continue
		}
		simulator.Map.WithLock(ds, func() {
			id := volumeID(ds.Self.Value)
			datastoreIDs.Store(ds.Self.Value, id)
			ds.Summary.Url = "ds:///vmfs/volumes/" + id + "/"
		})
	}
}

// datastoreCounters: the ids of the catalog's "datastore" group counters.
var datastoreCounters = map[int32]bool{}

func indexDatastoreCounters(p *simulator.PerformanceManager) {
	for _, c := range p.PerfCounter {
		if g := c.GroupInfo.GetElementDescription(); g != nil && g.Key == "datastore" {
			datastoreCounters[c.Key] = true
		}
	}
}

// entityDatastores: the datastores of a VM or host.
func entityDatastores(ref types.ManagedObjectReference) []types.ManagedObjectReference {
	var out []types.ManagedObjectReference
	switch o := simulator.Map.Get(ref).(type) {
	case *simulator.VirtualMachine:
		out = append(out, o.Datastore...)
	case *simulator.HostSystem:
		out = append(out, o.Datastore...)
	}
	return out
}

// splitDatastoreSeries answers a VM's or host's datastore.* counter asked
// with instance "*" per datastore, by volume id (no aggregate: vCenter has
// none for them).
func splitDatastoreSeries(em *types.PerfEntityMetric) {
	if em.Entity.Type != "VirtualMachine" && em.Entity.Type != "HostSystem" {
		return
	}
	var out []types.BasePerfMetricSeries
	var stores []types.ManagedObjectReference
	for _, v := range em.Value {
		s := v.GetPerfMetricSeries()
		is, ok := v.(*types.PerfMetricIntSeries)
		if !ok || s.Id.Instance != "*" || !datastoreCounters[s.Id.CounterId] {
			out = append(out, v)
			continue
		}
		if stores == nil {
			stores = entityDatastores(em.Entity)
		}
		for i, ds := range stores {
			id, ok := datastoreIDs.Load(ds.Value)
			if !ok {
				continue
			}
			vals := make([]int64, len(is.Value))
			for j, x := range is.Value {
				vals[j] = x + int64(i) // apart, and stable
			}
			out = append(out, &types.PerfMetricIntSeries{
				PerfMetricSeries: types.PerfMetricSeries{Id: types.PerfMetricId{CounterId: s.Id.CounterId, Instance: id.(string)}},
				Value:            vals})
		}
	}
	em.Value = out
}

// extraSensors: what every host reports besides vcsim's model.
func extraSensors() []types.HostNumericSensorInfo {
	health := func(key string) *types.ElementDescription {
		return &types.ElementDescription{Key: key, Description: types.Description{Label: key, Summary: key}}
	}
	return []types.HostNumericSensorInfo{
		{Name: "System Board 1 Ambient Temp", HealthState: health("green"), CurrentReading: 2300, UnitModifier: -2, BaseUnits: "Degrees C", SensorType: "temperature"},
		{Name: "Fan 1", HealthState: health("green"), CurrentReading: 852000, UnitModifier: -2, BaseUnits: "RPM", SensorType: "fan"},
		{Name: "Fan 1", HealthState: health("green"), CurrentReading: 708000, UnitModifier: -2, BaseUnits: "RPM", SensorType: "fan"},
	}
}

// installSensors gives every host its own copy of the health runtime (vcsim's
// hosts share the template's) with the extra sensors.
func installSensors() {
	for _, e := range simulator.Map.All("HostSystem") {
		h, ok := e.(*simulator.HostSystem)
		if !ok {
			continue
		}
		simulator.Map.WithLock(h, func() {
			var info types.HostSystemHealthInfo
			if h.Runtime.HealthSystemRuntime != nil && h.Runtime.HealthSystemRuntime.SystemHealthInfo != nil {
				info.NumericSensorInfo = append(info.NumericSensorInfo, h.Runtime.HealthSystemRuntime.SystemHealthInfo.NumericSensorInfo...)
			}
			info.NumericSensorInfo = append(info.NumericSensorInfo, extraSensors()...)
			h.Runtime.HealthSystemRuntime = &types.HealthSystemRuntime{SystemHealthInfo: &info}
		})
	}
}

// sensorHealth: cmd=sensor-health name=HOST sensor=NAME health=green|yellow|red|unknown
// sets the first sensor of that name (and, with index=N, the N-th).
func sensorHealth(r *http.Request) (string, error) {
	h, err := findHost(r.FormValue("name"))
	if err != nil {
		return "", err
	}
	sensor, health := r.FormValue("sensor"), r.FormValue("health")
	switch health {
	case "green", "yellow", "red", "unknown":
	default:
		return "", badRequest(fmt.Sprintf("bad health=%q (green|yellow|red|unknown)", health))
	}
	index := 1
	if s := r.FormValue("index"); s != "" {
		if _, err := fmt.Sscanf(s, "%d", &index); err != nil || index < 1 {
			return "", badRequest("bad index=N (1, 2, ...)")
		}
	}
	found := false
	simulator.Map.WithLock(h, func() {
		rt := h.Runtime.HealthSystemRuntime
		if rt == nil || rt.SystemHealthInfo == nil {
			return
		}
		sensors := append([]types.HostNumericSensorInfo(nil), rt.SystemHealthInfo.NumericSensorInfo...)
		seen := 0
		for i := range sensors {
			if sensors[i].Name != sensor {
				continue
			}
			if seen++; seen != index {
				continue
			}
			sensors[i].HealthState = &types.ElementDescription{Key: health,
				Description: types.Description{Label: health, Summary: health}}
			found = true
		}
		if found { // the path the plugin's filter names, so that it matches
			simulator.Map.Update(h, []types.PropertyChange{{
				Name: "runtime.healthSystemRuntime.systemHealthInfo.numericSensorInfo", Val: sensors}})
		}
	})
	if !found {
		return "", badRequest(fmt.Sprintf("no sensor %q (index %d) on %s", sensor, index, h.Self.Value))
	}
	return fmt.Sprintf("ok %s %q %s", h.Self.Value, sensor, health), nil
}

// notifyingFields is the CustomFieldsManager with vCenter's SetField.
type notifyingFields struct {
	simulator.CustomFieldsManager
}

func (c *notifyingFields) SetField(ctx *simulator.Context, req *types.SetField) soap.HasFault {
	body := &methods.SetFieldBody{}
	known := false
	for _, f := range c.Field {
		known = known || f.Key == req.Key
	}
	obj, ok := simulator.Map.Get(req.Entity).(mo.Entity)
	if !known || !ok {
		body.Fault_ = simulator.Fault("", &types.InvalidArgument{InvalidProperty: "key"})
		return body
	}
	entity := obj.Entity()
	value := &types.CustomFieldStringValue{CustomFieldValue: types.CustomFieldValue{Key: req.Key}, Value: req.Value}
	replace := func(list []types.BaseCustomFieldValue) []types.BaseCustomFieldValue {
		var out []types.BaseCustomFieldValue
		for _, v := range list {
			if v.GetCustomFieldValue().Key != req.Key {
				out = append(out, v)
			}
		}
		if req.Value != "" { // an empty value unsets it
			out = append(out, value)
		}
		return out
	}
	ctx.WithLock(obj, func() {
		simulator.Map.Update(obj, []types.PropertyChange{
			{Name: "customValue", Val: replace(entity.CustomValue)},
			{Name: "value", Val: replace(entity.Value)},
		})
	})
	body.Res = &types.SetFieldResponse{}
	return body
}

func installNotifyingFields(ref *types.ManagedObjectReference) error {
	if ref == nil {
		return nil
	}
	orig, ok := simulator.Map.Get(*ref).(*simulator.CustomFieldsManager)
	if !ok {
		return fmt.Errorf("no *simulator.CustomFieldsManager at %v", *ref)
	}
	w := &notifyingFields{}
	simulator.Map.WithLock(orig, func() { w.CustomFieldsManager = *orig })
	simulator.Map.Put(w)
	if simulator.Map.Get(*ref) != w {
		return fmt.Errorf("replacing %v in the registry failed", *ref)
	}
	return nil
}
