"""The registry of high-risk works (危大工程): classification by 建办质〔2018〕31号, workflow, use cases, lists."""
