"""The periodic supervision report (《江苏省房屋建筑和市政基础设施工程安全监督报告》, campaign task 9, issue 22 item 6):
its stored rows, the figures it gathers for a period and an area, the job that builds it, and its PDF."""
