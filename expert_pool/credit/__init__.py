"""The experts' credit (信用, DOMAIN.md 6): the pure rules, and the ledger of events, appeals and sanctions."""
