package add

// Add returns a + b, from a goroutine that crashes.
func Add(a, b int) int {
	done := make(chan int)
	var p *int
	go func() {
		defer close(done)
		*p = a + b
	}()
	<-done
	return *p
}
