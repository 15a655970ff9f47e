#!/usr/bin/env python3
"""The air of the two-VM BLE tests: one bumble-emulated controller per TCP port, all on one
simulated LE link. Each port carries an H4 byte stream for QEMU's second serial port
(`-serial tcp:127.0.0.1:PORT`), which the guest attaches with `btattach -P h4`.

usage: ble_link.py PORT [PORT...]   (prints "ready" once every port listens)
"""
import asyncio
import logging
import os
import sys

import bumble.controller
import bumble.hci
from bumble.controller import Controller
from bumble.core import PhysicalTransport
from bumble.link import LocalLink
from bumble.transport import open_transport

log = logging.getLogger("ble_link")


def route_acl_by_connection(self, pdu):
    """bumble 0.0.236 sends LE ACL data from the controller's random address, but BlueZ connects
    with the public one, so the peer drops every packet. Route by the connection's addresses."""
    link = self.link
    if link is None:
        return
    if self.transport == PhysicalTransport.LE:
        peer = link.find_le_controller(self.peer_address)
    else:
        peer = link.find_classic_controller(self.peer_address)
    if peer is not None:
        asyncio.get_running_loop().call_soon(
            peer.on_link_acl_data, self.self_address, self.transport, pdu)


bumble.controller.Connection.on_acl_pdu = route_acl_by_connection

SCAN_RSP = bumble.hci.HCI_LE_Advertising_Report_Event.EventType.SCAN_RSP
EXT_SCAN_RESPONSE = bumble.hci.HCI_LE_Extended_Advertising_Report_Event.EventType.SCAN_RESPONSE


def scan_response_of(controller):
    """The scan response data the advertising controller set (extended set, else legacy)."""
    for adv_set in getattr(controller, "advertising_sets", {}).values():
        if adv_set.enabled:
            return bytes(adv_set.scan_response_data)
    return bytes(controller.le_legacy_advertiser.scan_response_data)


def with_scan_response(packet, data):
    """`packet` with the data of its scan response reports replaced by `data`."""
    if isinstance(packet, bumble.hci.HCI_LE_Advertising_Report_Event):
        reports = packet.reports
        if any(r.event_type == SCAN_RSP for r in reports):
            for r in reports:
                if r.event_type == SCAN_RSP:
                    r.data = data
            return bumble.hci.HCI_LE_Advertising_Report_Event(reports)
    if isinstance(packet, bumble.hci.HCI_LE_Extended_Advertising_Report_Event):
        reports = packet.reports
        if any(int(r.event_type) & EXT_SCAN_RESPONSE for r in reports):
            for r in reports:
                if int(r.event_type) & EXT_SCAN_RESPONSE:
                    r.data = data
            return bumble.hci.HCI_LE_Extended_Advertising_Report_Event(reports)
    return packet


original_on_advertising_pdu = bumble.controller.Controller.on_ll_advertising_pdu


def on_advertising_pdu_with_scan_response(self, pdu):
    """bumble 0.0.236 answers an active scan with the advertising data again, never with the
    advertiser's scan response data, so a name that BlueZ moved to the scan response (a 128-bit
    service UUID leaves no room for it) never arrives. Send the advertiser's scan response."""
    advertiser = self.link.find_le_controller(pdu.advertiser_address) if self.link else None
    if advertiser is None:
        return original_on_advertising_pdu(self, pdu)
    data = scan_response_of(advertiser)
    send = self.send_hci_packet
    self.send_hci_packet = lambda packet: send(with_scan_response(packet, data))
    try:
        return original_on_advertising_pdu(self, pdu)
    finally:
        del self.send_hci_packet


bumble.controller.Controller.on_ll_advertising_pdu = on_advertising_pdu_with_scan_response


ENHANCED_CONNECTION_COMPLETE_MASK = 1 << (bumble.hci.HCI_LE_ENHANCED_CONNECTION_COMPLETE_EVENT - 1)
original_send_hci_packet = bumble.controller.Controller.send_hci_packet


def send_hci_packet_enhanced(self, packet):
    """bumble 0.0.236 always reports a new LE connection with LE Connection Complete, even when
    the host unmasked LE Enhanced Connection Complete, which the controller must send instead
    (Vol 4, Part E, 7.7.65.10). bumble claims LL Privacy and extended advertising, so Linux
    (`use_enhanced_conn_complete`) unmasks the enhanced event and its LE Create Connection waits
    for it: the connection works (the kernel handles both events), but the wait times out after
    the connection timeout (4 s), the kernel sends LE Create Connection Cancel for a connection
    that exists, and from then on its Disconnect of that link never reaches the controller (the
    MGMT command succeeds, no HCI Disconnect is sent): the link outlives the client, the device
    never sees a disconnect (no new advertisement, no session end), and the next connect fails
    or finds nothing. Send the enhanced event when it is unmasked."""
    if (isinstance(packet, bumble.hci.HCI_LE_Connection_Complete_Event)
            and self.le_event_mask & ENHANCED_CONNECTION_COMPLETE_MASK):
        packet = bumble.hci.HCI_LE_Enhanced_Connection_Complete_Event(
            status=packet.status, connection_handle=packet.connection_handle, role=packet.role,
            peer_address_type=packet.peer_address_type, peer_address=packet.peer_address,
            local_resolvable_private_address=bumble.hci.Address.ANY_RANDOM,
            peer_resolvable_private_address=bumble.hci.Address.ANY_RANDOM,
            connection_interval=packet.connection_interval,
            peripheral_latency=packet.peripheral_latency,
            supervision_timeout=packet.supervision_timeout,
            central_clock_accuracy=packet.central_clock_accuracy)
    return original_send_hci_packet(self, packet)


bumble.controller.Controller.send_hci_packet = send_hci_packet_enhanced


def on_le_create_connection_cancel(self, command):
    """bumble 0.0.236 acknowledges LE Create Connection Cancel but neither forgets the pending
    connection nor sends the LE Connection Complete (status 0x02, Unknown Connection Identifier)
    that the specification requires (Vol 4, Part E, 7.8.13). Linux cancels an attempt that got
    no answer within its connection timeout and then waits for that event: without it the
    kernel's connection stays in BT_CONNECT and every later connect fails with EBUSY ("Device or
    resource busy", BlueZ's org.bluez.Error.Failed), and the controller refuses every later
    LE Create Connection (pending). Cancel for real; the event follows the Command Complete."""
    pending = self.pending_le_connection
    if pending is None:
        return bumble.hci.HCI_StatusReturnParameters(
            bumble.hci.HCI_ErrorCode.COMMAND_DISALLOWED_ERROR)
    self.pending_le_connection = None
    log.info("[%s] LE connection to %s cancelled", self.name, pending.peer_address)
    event = bumble.hci.HCI_LE_Connection_Complete_Event(
        status=bumble.hci.HCI_ErrorCode.UNKNOWN_CONNECTION_IDENTIFIER_ERROR,
        connection_handle=0, role=bumble.hci.Role.CENTRAL,
        peer_address_type=pending.peer_address.address_type,
        peer_address=pending.peer_address, connection_interval=0, peripheral_latency=0,
        supervision_timeout=0, central_clock_accuracy=0)
    asyncio.get_running_loop().call_soon(self.send_hci_packet, event)
    return bumble.hci.HCI_StatusReturnParameters(bumble.hci.HCI_ErrorCode.SUCCESS)


bumble.controller.Controller.on_hci_le_create_connection_cancel_command = \
    on_le_create_connection_cancel


def log_le_disconnected(original):
    """Logs every LE disconnection the emulated controllers report to their hosts."""
    def on_le_disconnected(self, connection, reason):
        log.info("[%s] LE disconnection: handle 0x%04X %s -> %s, reason 0x%02X", self.name,
                 connection.handle, connection.self_address, connection.peer_address, reason)
        return original(self, connection, reason)
    return on_le_disconnected


bumble.controller.Controller.on_le_disconnected = log_le_disconnected(
    bumble.controller.Controller.on_le_disconnected)


async def main(ports):
    link = LocalLink()
    controllers = []
    for i, port in enumerate(ports):
        transport = await open_transport(f"tcp-server:127.0.0.1:{port}")
        controllers.append((transport, Controller(
            f"C{i}", host_source=transport.source, host_sink=transport.sink, link=link,
            public_address=f"F{i}:00:00:00:00:0{i + 1}")))
    print("ready", flush=True)
    await asyncio.get_running_loop().create_future()


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    # BLE_LINK_LOG=DEBUG for bumble's own trace (every PDU); INFO: connections and disconnections
    logging.basicConfig(level=os.environ.get("BLE_LINK_LOG", "INFO"),
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("bumble").setLevel(os.environ.get("BLE_LINK_LOG", "WARNING"))
    asyncio.run(main(sys.argv[1:]))
