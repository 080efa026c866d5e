"""CountyInno — 县域创新驱动发展服务与监测平台."""

__version__ = "0.1.0"
