"""The demo cranes' vocabulary: the mix of machine types, makers and their models, tower cranes' rated moments
(kN·m), and the words leasing firms' and inspection bodies' names are made of."""

from knowledge.cranes.machines import MachineType

TYPE_WEIGHTS = ((MachineType.TOWER_CRANE, 52), (MachineType.CONSTRUCTION_HOIST, 30),
                (MachineType.MATERIAL_HOIST, 15), (MachineType.GANTRY_CRANE, 3))  # fmt: skip
MAKERS = {
    MachineType.TOWER_CRANE: (("徐工建机", ("XGT6013", "XGT7020", "XGA5013")), ("中联重科", ("TC6013", "TC7030")),
                              ("永茂建机", ("STT293", "ST7027")), ("四川建机", ("C7022", "QTZ80"))),
    MachineType.CONSTRUCTION_HOIST: (("中联重科", ("SC200/200",)), ("江苏标准", ("SC100/100", "SC200/200"))),
    MachineType.MATERIAL_HOIST: (("江苏正兴", ("SSD100", "SSD150")),),
    MachineType.GANTRY_CRANE: (("河南卫华", ("MH10-20",)),),
}  # fmt: skip
MOMENTS = (315, 400, 630, 800, 1000, 1250, 1600, 2000, 2500)
LESSOR_WORDS = (
    "恒升",
    "宏达",
    "建安",
    "华力",
    "通力",
    "远大",
    "鼎盛",
    "盛邦",
    "金塔",
    "苏建",
    "国泰",
    "永安",
)
BODY_WORDS = ("特种设备", "建设工程质量", "建筑机械", "起重机械", "建科")
