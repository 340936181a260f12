"""Enterprises (by unified social credit code), projects and the units that take part in them."""
