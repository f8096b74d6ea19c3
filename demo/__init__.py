"""A synthetic customer base for demos, tests and benchmarks.

``generate_demo`` writes four source systems that disagree the way real ones do,
the hub config that declares them, and the truth of who is who.
"""

from demo.generator import DemoSources, generate_demo

__all__ = ["DemoSources", "generate_demo"]
