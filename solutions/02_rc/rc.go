// Package rc is exercise 02: shared references with a reference count, the Go way.
//
// Rust's Rc moves a value into a shared box and hands out handles onto it: cloning a handle
// only bumps the box's count, dropping one lowers it, and the value dies with the last handle.
// Go's garbage collector frees memory for you, so here the count matters for something the
// collector cannot do: release a resource (a file, a connection) exactly once, when its last
// user is done. That is the drop hook of NewWithDrop.
//
// Nothing here is safe for concurrent use, just as Rust's Rc is not Send: 05_arc is the
// concurrent version.
package rc

import "fmt"

// Rc is a handle onto a shared box holding one value and a count of the live handles onto it.
// A handle is live from New, NewWithDrop or Clone until its own Drop.
type Rc[T any] struct {
	box     *box[T] // never nil, so that StrongCount works on a dropped handle
	dropped bool
}

// box is what every handle onto one value shares.
type box[T any] struct {
	value  T
	strong int
	drop   func(T)
}

// New returns the first handle onto a new box holding v. Its StrongCount is 1.
func New[T any](v T) *Rc[T] {
	return NewWithDrop(v, nil)
}

// NewWithDrop is New with a drop hook: drop(v) runs exactly once, when the last live handle
// onto the box is dropped, and never before. A nil drop means no hook, as with New.
func NewWithDrop[T any](v T, drop func(T)) *Rc[T] {
	return &Rc[T]{box: &box[T]{value: v, strong: 1, drop: drop}}
}

// Clone returns a new live handle onto r's box (the same box, not a copy of the value) and
// adds one to the box's count. It panics when r has been dropped.
func (r *Rc[T]) Clone() *Rc[T] {
	r.mustBeLive("Clone")
	r.box.strong++
	return &Rc[T]{box: r.box}
}

// Value returns the value in r's box. It panics when r has been dropped.
func (r *Rc[T]) Value() T {
	r.mustBeLive("Value")
	return r.box.value
}

func (r *Rc[T]) mustBeLive(call string) {
	if r.dropped {
		panic(fmt.Sprintf("rc: %s needs a live handle, got a dropped *Rc[%T]", call, r.box.value))
	}
}

// StrongCount returns the number of live handles onto r's box. It may be called on a dropped
// handle too, and returns 0 once every handle onto the box has been dropped.
func (r *Rc[T]) StrongCount() int {
	return r.box.strong
}

// Drop ends the handle r: the box's count goes down by one, and when r was the last live
// handle the drop hook runs. Dropping a handle that is already dropped does nothing: Drop is
// idempotent per handle, so it never takes away another handle's share.
func (r *Rc[T]) Drop() {
	if r.dropped {
		return
	}
	r.dropped = true
	r.box.strong--
	if r.box.strong == 0 && r.box.drop != nil {
		r.box.drop(r.box.value)
	}
}

// PtrEq reports whether a and b are handles onto the same box (Rust's Rc::ptr_eq).
// Two boxes holding equal values are still two boxes.
func PtrEq[T any](a, b *Rc[T]) bool {
	return a.box == b.box
}

// Role is something a player can be: shared by many players, never changed once made.
type Role struct{ Name string }

// Player is the seed's example of a value that many others refer to: each player holds its
// roles as *Rc[Role] handles, and a team of other players that it shares, never copies.
type Player struct {
	Name     string
	Strength int
	roles    []*Rc[Role]
	team     []*Player
}

// NewPlayer returns a player with the given name and strength, no roles and no team.
func NewPlayer(name string, strength int) *Player {
	return &Player{Name: name, Strength: strength}
}

// AddRole gives p the role r. p keeps its own clone of r (so r's StrongCount goes up by one),
// and the caller may drop r afterwards without taking the role away from p.
func (p *Player) AddRole(r *Rc[Role]) {
	p.roles = append(p.roles, r.Clone())
}

// Roles returns the names of p's roles, in the order they were added.
func (p *Player) Roles() []string {
	names := make([]string, 0, len(p.roles))
	for _, r := range p.roles {
		names = append(names, r.Value().Name)
	}
	return names
}

// DropRoles drops every role handle p holds and forgets them: afterwards Roles is empty.
// A role whose last handle was p's runs its drop hook.
func (p *Player) DropRoles() {
	for _, r := range p.roles {
		r.Drop()
	}
	p.roles = nil
}

// JoinTeam adds mates to p's team. It shares the players themselves (the *Player pointers),
// never copies of them: whatever happens to a mate later is what p's team sees, and what
// everybody else holding that *Player sees. Each call adds to the team; it does not add p to
// the mates' own teams. The caller may reuse the mates slice afterwards.
func (p *Player) JoinTeam(mates ...*Player) {
	p.team = append(p.team, mates...)
}

// MakeStronger adds one to p's Strength.
func (p *Player) MakeStronger() {
	p.Strength++
}

// RallyTeam calls MakeStronger once on every player on p's team, and on nobody else: not on p
// itself, nor on the players of its teammates' own teams.
func (p *Player) RallyTeam() {
	for _, mate := range p.team {
		mate.MakeStronger()
	}
}
