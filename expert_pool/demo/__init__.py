"""Demo data of the expert pool and its reviews (above everything it seeds; never imported by the domain)."""
