"""Construction cranes (建筑起重机械): machines, their registration, inspection checklists and spot-check rules.

The pure rules of 《建筑起重机械安全监督管理规定》 (建设部令第166号, 2008) and the standards it leans on; no models,
services or views yet. Each module cites the clause that sets its rule and says where a number is policy.
"""
