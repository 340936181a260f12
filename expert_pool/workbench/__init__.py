"""The expert pool's open tasks on each role's workbench: requests, draws, invitations, meetings, reports, credit."""
