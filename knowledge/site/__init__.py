"""On site: the major-hazard catalogue of 建质规〔2022〕2号 and the inspection checklist it feeds."""
