package crash

func Go() {
	done := make(chan struct{})
	go func() {
		defer close(done)
		var p *int
		*p = 1
	}()
	<-done
}
