// Alternate of 02_rc: each box keeps its live handles in a container/list (a handle is live while
// it holds its list element, and the count is the list's length), a player's roles are a list
// too, and the team is kept as the list of JoinTeam calls, each a copy of the mates passed.

// Package rc is exercise 02: shared references with a reference count, the Go way.
package rc

import (
	"container/list"
	"fmt"
	"slices"
)

// Rc is a handle onto a shared box holding one value and a count of the live handles onto it.
type Rc[T any] struct {
	box  *rcBox[T]
	elem *list.Element // this handle's place among the box's live handles; nil once dropped
}

type rcBox[T any] struct {
	value T
	hook  func(T)
	live  list.List // of *Rc[T]
}

// New returns the first handle onto a new box holding v. Its StrongCount is 1.
func New[T any](v T) *Rc[T] { return NewWithDrop(v, nil) }

// NewWithDrop is New with a drop hook that runs once, at the last Drop.
func NewWithDrop[T any](v T, drop func(T)) *Rc[T] {
	b := &rcBox[T]{value: v, hook: drop}
	return b.newHandle()
}

func (b *rcBox[T]) newHandle() *Rc[T] {
	h := &Rc[T]{box: b}
	h.elem = b.live.PushBack(h)
	return h
}

func (r *Rc[T]) live(call string) {
	if r.elem == nil {
		panic(fmt.Sprintf("rc: %s on a dropped handle", call))
	}
}

// Clone returns a new live handle onto r's box. It panics when r has been dropped.
func (r *Rc[T]) Clone() *Rc[T] {
	r.live("Clone")
	return r.box.newHandle()
}

// Value returns the value in r's box. It panics when r has been dropped.
func (r *Rc[T]) Value() T {
	r.live("Value")
	return r.box.value
}

// StrongCount returns the number of live handles onto r's box.
func (r *Rc[T]) StrongCount() int { return r.box.live.Len() }

// Drop ends the handle r; the last Drop runs the hook. Dropping a dropped handle does nothing.
func (r *Rc[T]) Drop() {
	if r.elem == nil {
		return
	}
	r.box.live.Remove(r.elem)
	r.elem = nil
	if r.box.live.Len() == 0 && r.box.hook != nil {
		r.box.hook(r.box.value)
	}
}

// PtrEq reports whether a and b are handles onto the same box.
func PtrEq[T any](a, b *Rc[T]) bool { return a.box == b.box }

// Role is something a player can be: shared by many players, never changed once made.
type Role struct{ Name string }

// Player holds its roles as *Rc[Role] handles and a team of other players.
type Player struct {
	Name     string
	Strength int
	roles    list.List   // of *Rc[Role]
	joins    [][]*Player // one entry per JoinTeam call
}

// NewPlayer returns a player with the given name and strength, no roles and no team.
func NewPlayer(name string, strength int) *Player {
	return &Player{Name: name, Strength: strength}
}

// AddRole gives p its own clone of r.
func (p *Player) AddRole(r *Rc[Role]) { p.roles.PushBack(r.Clone()) }

// Roles returns the names of p's roles, in the order they were added.
func (p *Player) Roles() []string {
	var names []string
	for e := p.roles.Front(); e != nil; e = e.Next() {
		names = append(names, e.Value.(*Rc[Role]).Value().Name)
	}
	return names
}

// DropRoles drops every role handle p holds and forgets them.
func (p *Player) DropRoles() {
	for e := p.roles.Front(); e != nil; e = e.Next() {
		e.Value.(*Rc[Role]).Drop()
	}
	p.roles.Init()
}

// JoinTeam adds mates to p's team, sharing the players, keeping its own copy of the slice.
func (p *Player) JoinTeam(mates ...*Player) {
	if len(mates) > 0 {
		p.joins = append(p.joins, slices.Clone(mates))
	}
}

// MakeStronger adds one to p's Strength.
func (p *Player) MakeStronger() { p.Strength++ }

// RallyTeam makes every player on p's team stronger, once.
func (p *Player) RallyTeam() {
	for _, join := range p.joins {
		for _, mate := range join {
			mate.MakeStronger()
		}
	}
}
