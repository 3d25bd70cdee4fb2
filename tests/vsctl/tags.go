// SPDX-License-Identifier: MIT

// vSphere tags through the REST API (govmomi vapi/rest + vapi/tags), with
// a REST session of vsctl's own (logged in with -user/-password, logged
// out before vsctl exits):
//
//	tag-category-create NAME [TYPE...]   prints the new category id
//	                (TYPE: associable types, e.g. VirtualMachine; none: any)
//	tag-create CATEGORY NAME             prints the new tag id
//	tag-attach CATEGORY TAG OBJECT...    OBJECT: an inventory path
//	                (/DC0/vm/DC0_H0_VM0), a moref or a name, as elsewhere
//	tag-detach CATEGORY TAG OBJECT...
//	tag-delete CATEGORY TAG
//	tag-list OBJECT                      "CATEGORY/TAG" lines, sorted
//
// CATEGORY and TAG are names (or ids).
package main

import (
	"context"
	"fmt"
	"net/url"
	"sort"

	"github.com/vmware/govmomi/vapi/rest"
	"github.com/vmware/govmomi/vapi/tags"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
)

var restUser *url.Userinfo // set by main

var tagCommands = map[string]bool{
	"tag-category-create": true, "tag-create": true, "tag-attach": true,
	"tag-detach": true, "tag-delete": true, "tag-list": true,
}

// withTags runs f with a tag manager over a fresh REST session.
func withTags(ctx context.Context, c *vim25.Client, f func(*tags.Manager) error) error {
	rc := rest.NewClient(c)
	if err := rc.Login(ctx, restUser); err != nil {
		return fmt.Errorf("REST login: %v", err)
	}
	err := f(tags.NewManager(rc))
	if lerr := rc.Logout(context.Background()); lerr != nil && err == nil {
		err = fmt.Errorf("REST logout: %v", lerr)
	}
	return err
}

// objects resolves OBJECT arguments (paths, morefs or names).
func objects(ctx context.Context, c *vim25.Client, args []string) ([]mo.Reference, error) {
	inv, err := loadInventory(ctx, c)
	if err != nil {
		return nil, err
	}
	kinds := []string{"VirtualMachine", "HostSystem", "ClusterComputeResource", "Datastore",
		"ResourcePool", "Datacenter", "Folder", "ComputeResource"}
	var refs []mo.Reference
	for _, a := range args {
		ref, err := inv.resolvePath(a, kinds...)
		if err != nil {
			return nil, err
		}
		refs = append(refs, ref)
	}
	return refs, nil
}

func runTags(ctx context.Context, c *vim25.Client, args []string) error {
	switch args[0] {
	case "tag-category-create":
		if len(args) < 2 {
			return fmt.Errorf("usage: tag-category-create NAME [TYPE...]")
		}
		return withTags(ctx, c, func(m *tags.Manager) error {
			id, err := m.CreateCategory(ctx, &tags.Category{Name: args[1], Cardinality: "MULTIPLE",
				AssociableTypes: args[2:]})
			if err == nil {
				fmt.Println(id)
			}
			return err
		})
	case "tag-create":
		if err := needArgs(args, 2, "CATEGORY NAME"); err != nil {
			return err
		}
		return withTags(ctx, c, func(m *tags.Manager) error {
			id, err := m.CreateTag(ctx, &tags.Tag{Name: args[2], CategoryID: args[1]})
			if err == nil {
				fmt.Println(id)
			}
			return err
		})
	case "tag-attach", "tag-detach":
		if len(args) < 4 {
			return fmt.Errorf("usage: %s CATEGORY TAG OBJECT...", args[0])
		}
		refs, err := objects(ctx, c, args[3:])
		if err != nil {
			return err
		}
		return withTags(ctx, c, func(m *tags.Manager) error {
			tag, err := m.GetTagForCategory(ctx, args[2], args[1])
			if err != nil {
				return err
			}
			for _, ref := range refs {
				if args[0] == "tag-attach" {
					err = m.AttachTag(ctx, tag.ID, ref)
				} else {
					err = m.DetachTag(ctx, tag.ID, ref)
				}
				if err != nil {
					return err
				}
			}
			return nil
		})
	case "tag-delete":
		if err := needArgs(args, 2, "CATEGORY TAG"); err != nil {
			return err
		}
		return withTags(ctx, c, func(m *tags.Manager) error {
			tag, err := m.GetTagForCategory(ctx, args[2], args[1])
			if err != nil {
				return err
			}
			return m.DeleteTag(ctx, tag)
		})
	case "tag-list":
		if err := needArgs(args, 1, "OBJECT"); err != nil {
			return err
		}
		refs, err := objects(ctx, c, args[1:])
		if err != nil {
			return err
		}
		return withTags(ctx, c, func(m *tags.Manager) error {
			attached, err := m.GetAttachedTags(ctx, refs[0])
			if err != nil {
				return err
			}
			names := map[string]string{}
			var lines []string
			for _, t := range attached {
				if _, ok := names[t.CategoryID]; !ok {
					cat, err := m.GetCategory(ctx, t.CategoryID)
					if err != nil {
						return err
					}
					names[t.CategoryID] = cat.Name
				}
				lines = append(lines, names[t.CategoryID]+"/"+t.Name)
			}
			sort.Strings(lines)
			for _, l := range lines {
				fmt.Println(l)
			}
			return nil
		})
	}
	return fmt.Errorf("unknown command %q", args[0])
}
