// virtio 1.x definitions for the virtio-mmio transport (modern, version 2) and the block device.
// Section numbers refer to "Virtual I/O Device (VIRTIO) Version 1.1".
#pragma once

#include <cstdint>

namespace pagoda::virtio {

// MMIO register offsets (§4.2.2, table "MMIO Device Register Layout").
enum class MmioReg : uint32_t {
  kMagicValue = 0x000,  // 0x74726976 ("virt")
  kVersion = 0x004,     // 2 for the modern transport
  kDeviceId = 0x008,    // 2 = block device (§5)
  kVendorId = 0x00c,
  kDeviceFeatures = 0x010,
  kDeviceFeaturesSel = 0x014,
  kDriverFeatures = 0x020,
  kDriverFeaturesSel = 0x024,
  kQueueSel = 0x030,
  kQueueNumMax = 0x034,
  kQueueNum = 0x038,
  kQueueReady = 0x044,
  kQueueNotify = 0x050,
  kInterruptStatus = 0x060,
  kInterruptAck = 0x064,
  kStatus = 0x070,
  kQueueDescLow = 0x080,
  kQueueDescHigh = 0x084,
  kQueueDriverLow = 0x090,  // the available ring
  kQueueDriverHigh = 0x094,
  kQueueDeviceLow = 0x0a0,  // the used ring
  kQueueDeviceHigh = 0x0a4,
  kConfigGeneration = 0x0fc,
  kConfig = 0x100,  // device-specific configuration (§5.2.4 for blk)
};

constexpr uint32_t kMagic = 0x74726976;
constexpr uint32_t kMmioVersionModern = 2;
constexpr uint32_t kDeviceIdBlock = 2;

// Device status bits (§2.1).
namespace status {
constexpr uint32_t kAcknowledge = 1;
constexpr uint32_t kDriver = 2;
constexpr uint32_t kDriverOk = 4;
constexpr uint32_t kFeaturesOk = 8;
constexpr uint32_t kNeedsReset = 64;
constexpr uint32_t kFailed = 128;
}  // namespace status

// Feature bits (§6 reserved bits, §5.2.3 block bits). We accept only VERSION_1.
constexpr uint32_t kFeatureVersion1 = 32;  // VIRTIO_F_VERSION_1: required by the modern transport

// Interrupt status bits (§4.2.2 InterruptStatus).
constexpr uint32_t kInterruptUsedBuffer = 1;
constexpr uint32_t kInterruptConfigChange = 2;

// Split virtqueue (§2.6).
struct VirtqDesc {  // §2.6.5
  uint64_t addr;
  uint32_t len;
  uint16_t flags;
  uint16_t next;
};
constexpr uint16_t kDescNext = 1;   // VIRTQ_DESC_F_NEXT
constexpr uint16_t kDescWrite = 2;  // VIRTQ_DESC_F_WRITE: device writes this buffer

template <int N>
struct VirtqAvail {  // §2.6.6
  uint16_t flags;
  uint16_t idx;
  uint16_t ring[N];
  uint16_t used_event;
};

struct VirtqUsedElem {  // §2.6.8
  uint32_t id;
  uint32_t len;
};

template <int N>
struct VirtqUsed {  // §2.6.8
  uint16_t flags;
  uint16_t idx;
  VirtqUsedElem ring[N];
  uint16_t avail_event;
};

// Block request header and status (§5.2.6).
constexpr uint32_t kBlkTypeIn = 0;   // VIRTIO_BLK_T_IN: read
constexpr uint32_t kBlkTypeOut = 1;  // VIRTIO_BLK_T_OUT: write
constexpr uint8_t kBlkStatusOk = 0;
constexpr uint64_t kSectorSize = 512;

struct BlkReqHeader {
  uint32_t type;
  uint32_t reserved;
  uint64_t sector;
};

}  // namespace pagoda::virtio
