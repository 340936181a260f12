"""What each role must do next: its open tasks, each with a deadline and the object it opens."""
