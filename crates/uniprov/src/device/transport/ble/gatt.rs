//! The GATT application, exported on a D-Bus connection of its own so that bluetoothd gets its
//! objects in a fixed order (see "GATT handles" in the docs of [`super`]).
//!
//! bluetoothd (`RegisterApplication`, `src/gatt-database.c`) reads the application with one
//! `org.freedesktop.DBus.ObjectManager.GetManagedObjects` call and adds the characteristics and
//! descriptors to its database in the order of that reply, giving each the next free handle of
//! the service. [`AppTable::managed_objects`] answers in table order: the service, then per
//! endpoint its characteristic and its 0x2901 descriptor. bluetoothd writes the handles it chose
//! back through `org.freedesktop.DBus.Properties.Set("Handle")`; they are kept for the log.
//!
//! The objects, their properties and the parsing of bluetoothd's calls are plain data
//! ([`AppTable`], [`parse_options`]); [`GattApp`] only moves messages between them and the bus.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use bluer::Address;
use dbus::arg::{prop_cast, Dict, PropMap, RefArg, Variant};
use dbus::channel::{MatchingReceiver, Sender};
use dbus::message::MatchRule;
use dbus::nonblock::{Proxy, SyncConnection};
use dbus::{Message, MethodErr, Path};
use tracing::{debug, trace, warn};
use uniprov_core::ble::{Uuid128, USER_DESCRIPTION_UUID16};

use super::{BleError, Shared};

const BLUEZ: &str = "org.bluez";
const MANAGER_IFACE: &str = "org.bluez.GattManager1";
const SERVICE_IFACE: &str = "org.bluez.GattService1";
const CHRC_IFACE: &str = "org.bluez.GattCharacteristic1";
const DESC_IFACE: &str = "org.bluez.GattDescriptor1";
const OBJECT_MANAGER_IFACE: &str = "org.freedesktop.DBus.ObjectManager";
const PROPERTIES_IFACE: &str = "org.freedesktop.DBus.Properties";
/// Timeout of our calls to bluetoothd (`RegisterApplication` waits for its `GetManagedObjects`).
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// An error answered to bluetoothd, which turns it into an ATT error (`org.bluez.Error.Failed`:
/// 0x0e Unlikely Error; `InvalidOffset`: 0x07; `InvalidValueLength`: 0x0d).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GattError {
    /// The request failed (refused by the manager, no answer in time...).
    Failed,
    /// A read or write at an offset beyond the value.
    InvalidOffset,
    /// A value longer than the transport accepts.
    InvalidValueLength,
}

impl GattError {
    fn dbus_name(self) -> &'static str {
        match self {
            GattError::Failed => "org.bluez.Error.Failed",
            GattError::InvalidOffset => "org.bluez.Error.InvalidOffset",
            GattError::InvalidValueLength => "org.bluez.Error.InvalidValueLength",
        }
    }

    fn to_method_err(self) -> MethodErr {
        let text = match self {
            GattError::Failed => "request failed",
            GattError::InvalidOffset => "invalid offset",
            GattError::InvalidValueLength => "invalid value length",
        };
        MethodErr::from((self.dbus_name(), text))
    }
}

/// What one exported object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The primary service.
    Service,
    /// The characteristic of endpoint `n` (table order).
    Characteristic(usize),
    /// The 0x2901 User Description of endpoint `n`.
    Descriptor(usize),
}

/// One exported object and the handle bluetoothd gave it.
#[derive(Debug)]
struct Object {
    path: Path<'static>,
    kind: Kind,
    /// Requested (service) or written back by bluetoothd; 0: not known yet.
    handle: AtomicU16,
}

/// The application's objects in their fixed order, and their properties.
#[derive(Debug)]
pub struct AppTable {
    root: Path<'static>,
    service_uuid: Uuid128,
    /// Endpoint name and characteristic UUID, in table order.
    endpoints: Vec<(String, Uuid128)>,
    /// The service, then per endpoint its characteristic and its descriptor.
    objects: Vec<Object>,
}

impl AppTable {
    /// The table under `root` (the application's object path): the service at `service_handle`
    /// (0: where bluetoothd puts it), one characteristic per endpoint with its descriptor.
    pub fn new(
        root: &str,
        service_uuid: Uuid128,
        endpoints: &[(String, Uuid128)],
        service_handle: u16,
    ) -> Self {
        let path = |p: String| Path::new(p).expect("object paths are built from safe parts");
        let service = format!("{root}/service0");
        let mut objects = vec![Object {
            path: path(service.clone()),
            kind: Kind::Service,
            handle: AtomicU16::new(service_handle),
        }];
        for idx in 0..endpoints.len() {
            let chr = format!("{service}/char{idx:04}");
            objects.push(Object {
                path: path(chr.clone()),
                kind: Kind::Characteristic(idx),
                handle: AtomicU16::new(0),
            });
            objects.push(Object {
                path: path(format!("{chr}/desc0")),
                kind: Kind::Descriptor(idx),
                handle: AtomicU16::new(0),
            });
        }
        AppTable {
            root: path(root.to_owned()),
            service_uuid,
            endpoints: endpoints.to_vec(),
            objects,
        }
    }

    /// The application's object path (the object manager's).
    pub fn root(&self) -> &Path<'static> {
        &self.root
    }

    fn object(&self, path: &str) -> Option<&Object> {
        self.objects.iter().find(|o| &*o.path == path)
    }

    /// The kind of the object at `path`.
    pub fn kind(&self, path: &str) -> Option<Kind> {
        self.object(path).map(|o| o.kind)
    }

    /// The endpoint name of characteristic `idx`.
    pub fn endpoint(&self, idx: usize) -> Option<&str> {
        self.endpoints.get(idx).map(|(n, _)| n.as_str())
    }

    /// The D-Bus interface of an object kind.
    fn interface(kind: Kind) -> &'static str {
        match kind {
            Kind::Service => SERVICE_IFACE,
            Kind::Characteristic(_) => CHRC_IFACE,
            Kind::Descriptor(_) => DESC_IFACE,
        }
    }

    /// The properties of one object (GattService1 / GattCharacteristic1 / GattDescriptor1).
    fn properties(&self, object: &Object) -> PropMap {
        fn v<T: RefArg + 'static>(value: T) -> Variant<Box<dyn RefArg>> {
            Variant(Box::new(value))
        }
        let flags = |f: &[&str]| v(f.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        let parent = |o: &Object| {
            let p = &*o.path;
            Path::new(&p[..p.rfind('/').unwrap_or(p.len())])
                .map(Path::into_static)
                .expect("the parent of an object path is an object path")
        };
        let mut props = PropMap::new();
        props.insert("Handle".into(), v(object.handle.load(Ordering::Relaxed)));
        match object.kind {
            Kind::Service => {
                props.insert("UUID".into(), v(self.service_uuid.to_string()));
                props.insert("Primary".into(), v(true));
            }
            Kind::Characteristic(idx) => {
                props.insert("UUID".into(), v(self.endpoints[idx].1.to_string()));
                props.insert("Service".into(), v(parent(object)));
                props.insert("Flags".into(), flags(&["read", "write"]));
            }
            Kind::Descriptor(_) => {
                let uuid = Uuid128::from_uuid16(USER_DESCRIPTION_UUID16);
                props.insert("UUID".into(), v(uuid.to_string()));
                props.insert("Characteristic".into(), v(parent(object)));
                props.insert("Flags".into(), flags(&["read"]));
            }
        }
        props
    }

    /// The objects with their interface and properties, in the fixed order.
    fn objects(
        &self,
    ) -> impl Iterator<Item = (Path<'static>, HashMap<String, PropMap>)> + Clone + '_ {
        self.objects.iter().map(move |o| {
            let iface = Self::interface(o.kind).to_owned();
            (o.path.clone(), HashMap::from([(iface, self.properties(o))]))
        })
    }

    /// The answer to `GetManagedObjects`, `a{oa{sa{sv}}}`, with the objects in the fixed order
    /// (a [`Dict`] writes the entries in the order of its iterator).
    pub fn managed_objects_reply(&self, call: &Message) -> Message {
        call.method_return().append1(Dict::new(self.objects()))
    }

    /// `Properties.GetAll(interface)` of the object at `path`.
    pub fn get_all(&self, path: &str, interface: &str) -> Option<PropMap> {
        let o = self.object(path)?;
        (Self::interface(o.kind) == interface).then(|| self.properties(o))
    }

    /// `Properties.Set`: bluetoothd writes the `Handle` it chose; `false` for anything else.
    pub fn set_handle(&self, path: &str, interface: &str, property: &str, handle: u16) -> bool {
        match self.object(path) {
            Some(o) if Self::interface(o.kind) == interface && property == "Handle" => {
                o.handle.store(handle, Ordering::Relaxed);
                true
            }
            _ => false,
        }
    }

    /// The handles as known now: the service, then per endpoint (name, value, descriptor);
    /// 0 where bluetoothd has not told us.
    pub fn handles(&self) -> (u16, Vec<(String, u16, u16)>) {
        let handle_of = |kind: Kind| {
            self.objects
                .iter()
                .find(|o| o.kind == kind)
                .map_or(0, |o| o.handle.load(Ordering::Relaxed))
        };
        let chars = self
            .endpoints
            .iter()
            .enumerate()
            .map(|(i, (name, _))| {
                (
                    name.clone(),
                    handle_of(Kind::Characteristic(i)),
                    handle_of(Kind::Descriptor(i)),
                )
            })
            .collect();
        (handle_of(Kind::Service), chars)
    }
}

/// The options bluetoothd passes to `ReadValue` / `WriteValue` (org.bluez.GattCharacteristic1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// The remote device (from the `device` object path).
    pub peer: Address,
    /// `offset`: where a long read or write continues (0 when absent).
    pub offset: u16,
    /// `mtu`: the link's ATT MTU (0 when absent).
    pub mtu: u16,
    /// `link`: `LE` or `BR/EDR`.
    pub link: Option<String>,
}

/// Parses the options of a read or write; `None` without a device (bluetoothd always sends it).
pub fn parse_options(options: &PropMap) -> Option<Options> {
    let device = prop_cast::<Path>(options, "device")?;
    Some(Options {
        peer: peer_of_device_path(device)?,
        offset: prop_cast::<u16>(options, "offset").copied().unwrap_or(0),
        mtu: prop_cast::<u16>(options, "mtu").copied().unwrap_or(0),
        link: prop_cast::<String>(options, "link").cloned(),
    })
}

/// `/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF` → `AA:BB:CC:DD:EE:FF`.
pub fn peer_of_device_path(path: &str) -> Option<Address> {
    let last = path.rsplit('/').next()?;
    last.strip_prefix("dev_")?.replace('_', ":").parse().ok()
}

/// The registered application: its own D-Bus connection, the receiver of bluetoothd's calls.
/// Dropping it closes the connection, which makes bluetoothd drop the application.
pub struct GattApp {
    conn: Arc<SyncConnection>,
    io: tokio::task::JoinHandle<()>,
    table: Arc<AppTable>,
    adapter_path: Path<'static>,
}

/// What the receiver needs: the objects, the transport, and the connection to answer on.
struct Exported {
    table: Arc<AppTable>,
    shared: Arc<Shared>,
    conn: Weak<SyncConnection>,
}

impl GattApp {
    /// Exports the table (`endpoints` in table order; the service at `service_handle`, 0: where
    /// bluetoothd puts it) and registers it with `adapter`'s GattManager1.
    pub(super) async fn register(
        shared: &Arc<Shared>,
        endpoints: &[(String, Uuid128)],
        service_handle: u16,
    ) -> Result<Self, BleError> {
        let (resource, conn) = dbus_tokio::connection::new_system_sync()?;
        let io = tokio::spawn(async move {
            let error = resource.await;
            warn!(%error, "D-Bus connection of the GATT application lost");
        });
        let root = format!("/uniprov/gatt{}", std::process::id());
        let table = Arc::new(AppTable::new(
            &root,
            shared.cfg.service_uuid,
            endpoints,
            service_handle,
        ));
        let exported = Arc::new(Exported {
            table: Arc::clone(&table),
            shared: Arc::clone(shared),
            conn: Arc::downgrade(&conn),
        });
        conn.start_receive(
            MatchRule::new_method_call(),
            Box::new(move |msg, conn| {
                exported.dispatch(msg, conn);
                true
            }),
        );
        let adapter_path = Path::new(format!("/org/bluez/{}", shared.adapter.name()))
            .map_err(|e| BleError::Dbus(dbus::Error::new_failed(&e)))?;
        let app = GattApp {
            conn,
            io,
            table,
            adapter_path,
        };
        let proxy = app.manager();
        let registered: Result<(), dbus::Error> = proxy
            .method_call(
                MANAGER_IFACE,
                "RegisterApplication",
                (app.table.root().clone(), PropMap::new()),
            )
            .await;
        registered?;
        Ok(app)
    }

    fn manager(&self) -> Proxy<'_, Arc<SyncConnection>> {
        Proxy::new(
            BLUEZ,
            self.adapter_path.clone(),
            CALL_TIMEOUT,
            Arc::clone(&self.conn),
        )
    }

    /// The handles: the service, then per endpoint (name, value, descriptor); 0: not known.
    pub fn handles(&self) -> (u16, Vec<(String, u16, u16)>) {
        self.table.handles()
    }

    /// Unregisters the application (then the drop closes the connection).
    pub async fn unregister(self) {
        let proxy = self.manager();
        let done: Result<(), dbus::Error> = proxy
            .method_call(
                MANAGER_IFACE,
                "UnregisterApplication",
                (self.table.root().clone(),),
            )
            .await;
        match done {
            Ok(()) => debug!("GATT application unregistered"),
            Err(error) => warn!(%error, "cannot unregister the GATT application"),
        }
    }
}

impl Drop for GattApp {
    fn drop(&mut self) {
        // Ends the connection's I/O task; the connection closes with the last reference, and
        // bluetoothd removes an application whose owner left the bus.
        self.io.abort();
    }
}

impl Exported {
    /// Answers one method call of bluetoothd (or anyone) to our objects.
    fn dispatch(self: &Arc<Self>, msg: Message, conn: &SyncConnection) {
        let (Some(path), Some(iface), Some(member)) = (msg.path(), msg.interface(), msg.member())
        else {
            return;
        };
        let (path, iface, member) = (path.to_string(), iface.to_string(), member.to_string());
        trace!(%path, %iface, %member, "GATT application call");
        let table = &self.table;
        let reply = match (iface.as_str(), member.as_str()) {
            (OBJECT_MANAGER_IFACE, "GetManagedObjects") if path == **table.root() => {
                table.managed_objects_reply(&msg)
            }
            (PROPERTIES_IFACE, "GetAll") => match msg.read1::<&str>() {
                Ok(i) => match table.get_all(&path, i) {
                    Some(props) => msg.method_return().append1(props),
                    None => MethodErr::no_interface(i).to_message(&msg),
                },
                Err(e) => MethodErr::from(e).to_message(&msg),
            },
            (PROPERTIES_IFACE, "Get") => match msg.read2::<&str, &str>() {
                Ok((i, name)) => match table.get_all(&path, i).and_then(|mut p| p.remove(name)) {
                    Some(value) => msg.method_return().append1(value),
                    None => MethodErr::no_property(name).to_message(&msg),
                },
                Err(e) => MethodErr::from(e).to_message(&msg),
            },
            (PROPERTIES_IFACE, "Set") => match msg.read3::<&str, &str, Variant<u16>>() {
                Ok((i, name, Variant(handle))) if table.set_handle(&path, i, name, handle) => {
                    trace!(%path, handle, "bluetoothd wrote the handle");
                    msg.method_return()
                }
                Ok((_, name, _)) => MethodErr::ro_property(name).to_message(&msg),
                Err(e) => MethodErr::from(e).to_message(&msg),
            },
            (CHRC_IFACE, "ReadValue") | (DESC_IFACE, "ReadValue") => {
                match (table.kind(&path), msg.read1::<PropMap>()) {
                    (Some(kind), Ok(options)) => match parse_options(&options) {
                        Some(o) => match self.read(kind, &o) {
                            Ok(value) => msg.method_return().append1(value),
                            Err(e) => e.to_method_err().to_message(&msg),
                        },
                        None => MethodErr::invalid_arg("options").to_message(&msg),
                    },
                    (None, _) => MethodErr::no_path(&path).to_message(&msg),
                    (_, Err(e)) => MethodErr::from(e).to_message(&msg),
                }
            }
            (CHRC_IFACE, "WriteValue") => {
                match (table.kind(&path), msg.read2::<Vec<u8>, PropMap>()) {
                    (Some(Kind::Characteristic(idx)), Ok((value, options))) => {
                        match parse_options(&options) {
                            Some(o) => {
                                // The answer comes when the manager has one (up to the deadline).
                                tokio::spawn(Arc::clone(self).write(msg, idx, o, value));
                                return;
                            }
                            None => MethodErr::invalid_arg("options").to_message(&msg),
                        }
                    }
                    (_, Err(e)) => MethodErr::from(e).to_message(&msg),
                    _ => MethodErr::no_path(&path).to_message(&msg),
                }
            }
            _ => MethodErr::no_method(&member).to_message(&msg),
        };
        if conn.send(reply).is_err() {
            warn!(%path, %member, "cannot answer bluetoothd");
        }
    }

    fn read(&self, kind: Kind, o: &Options) -> Result<Vec<u8>, GattError> {
        trace!(peer = %o.peer, offset = o.offset, mtu = o.mtu, link = ?o.link, ?kind, "read");
        match kind {
            Kind::Characteristic(idx) => self.shared.read(o.peer, idx, o.offset),
            Kind::Descriptor(idx) => {
                let name = self.table.endpoint(idx).unwrap_or_default().as_bytes();
                let start = usize::from(o.offset);
                name.get(start..)
                    .map(<[u8]>::to_vec)
                    .ok_or(GattError::InvalidOffset)
            }
            Kind::Service => Err(GattError::Failed),
        }
    }

    async fn write(self: Arc<Self>, msg: Message, idx: usize, o: Options, value: Vec<u8>) {
        trace!(peer = %o.peer, offset = o.offset, mtu = o.mtu, link = ?o.link, len = value.len(), "write");
        let endpoint = self.table.endpoint(idx).unwrap_or_default().to_owned();
        let done = Arc::clone(&self.shared)
            .write(o.peer, idx, endpoint, o.offset, value)
            .await;
        let reply = match done {
            Ok(()) => msg.method_return(),
            Err(e) => e.to_method_err().to_message(&msg),
        };
        match self.conn.upgrade() {
            Some(conn) if conn.send(reply).is_ok() => {}
            _ => debug!("the GATT application is gone: write not answered"),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn endpoints() -> Vec<(String, Uuid128)> {
        let service = uniprov_core::ble::DEFAULT_SERVICE_UUID;
        uniprov_core::ble::gatt_table(service, &["custom-data"])
            .unwrap()
            .into_iter()
            .map(|c| (c.name, c.uuid))
            .collect()
    }

    /// The objects of a `GetManagedObjects` answer as bluetoothd reads them: in wire order.
    fn wire_objects(t: &AppTable) -> Vec<(String, HashMap<String, PropMap>)> {
        let call = Message::new_method_call(
            "org.example",
            t.root().clone(),
            OBJECT_MANAGER_IFACE,
            "GetManagedObjects",
        )
        .unwrap();
        let mut call = call;
        call.set_serial(1);
        let reply = t.managed_objects_reply(&call);
        let dict: Dict<Path, HashMap<String, PropMap>, _> = reply.read1().unwrap();
        dict.map(|(p, ifaces)| (p.to_string(), ifaces)).collect()
    }

    #[test]
    fn objects_come_in_table_order_service_then_characteristic_and_descriptor_pairs() {
        let eps = endpoints();
        let service_uuid = uniprov_core::ble::DEFAULT_SERVICE_UUID;
        let t = AppTable::new("/uniprov/gatt1", service_uuid, &eps, 0x40);
        let objects = wire_objects(&t);
        assert_eq!(objects.len(), 1 + 2 * eps.len());
        let paths: Vec<&str> = objects.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(paths[0], "/uniprov/gatt1/service0");
        assert_eq!(paths[1], "/uniprov/gatt1/service0/char0000");
        assert_eq!(paths[2], "/uniprov/gatt1/service0/char0000/desc0");
        assert_eq!(paths[11], "/uniprov/gatt1/service0/char0005");
        for (i, (name, uuid)) in eps.iter().enumerate() {
            let chr = &objects[1 + 2 * i].1[CHRC_IFACE];
            assert_eq!(
                prop_cast::<String>(chr, "UUID"),
                Some(&uuid.to_string()),
                "{name}"
            );
            let service = prop_cast::<Path>(chr, "Service").unwrap();
            assert_eq!(&**service, "/uniprov/gatt1/service0");
            let flags = prop_cast::<Vec<String>>(chr, "Flags").unwrap();
            assert_eq!(flags, &["read", "write"]);
            assert_eq!(prop_cast::<u16>(chr, "Handle"), Some(&0));
            let desc = &objects[2 + 2 * i].1[DESC_IFACE];
            let parent = prop_cast::<Path>(desc, "Characteristic").unwrap();
            assert_eq!(&**parent, paths[1 + 2 * i]);
            assert_eq!(
                prop_cast::<String>(desc, "UUID").map(String::as_str),
                Some("00002901-0000-1000-8000-00805f9b34fb")
            );
            assert_eq!(t.endpoint(i), Some(name.as_str()));
        }
        let service = &objects[0].1[SERVICE_IFACE];
        assert_eq!(prop_cast::<u16>(service, "Handle"), Some(&0x40));
        assert_eq!(prop_cast::<bool>(service, "Primary"), Some(&true));
        assert_eq!(
            prop_cast::<String>(service, "UUID"),
            Some(&service_uuid.to_string())
        );
    }

    #[test]
    fn handles_written_back_by_bluetoothd_are_kept() {
        let eps = endpoints();
        let t = AppTable::new("/a", uniprov_core::ble::DEFAULT_SERVICE_UUID, &eps, 0);
        assert!(t.set_handle("/a/service0", SERVICE_IFACE, "Handle", 0x40));
        assert!(t.set_handle("/a/service0/char0001", CHRC_IFACE, "Handle", 0x45));
        assert!(t.set_handle("/a/service0/char0001/desc0", DESC_IFACE, "Handle", 0x46));
        assert!(!t.set_handle("/a/service0/char0001", DESC_IFACE, "Handle", 1));
        assert!(!t.set_handle("/a/service0/char0001", CHRC_IFACE, "UUID", 1));
        assert!(!t.set_handle("/a/nothing", CHRC_IFACE, "Handle", 1));
        let (service, chars) = t.handles();
        assert_eq!(service, 0x40);
        assert_eq!(chars[1], ("prov-scan".to_owned(), 0x45, 0x46));
        assert_eq!(chars[0], ("prov-ctrl".to_owned(), 0, 0));
        let props = t.get_all("/a/service0/char0001", CHRC_IFACE).unwrap();
        assert_eq!(prop_cast::<u16>(&props, "Handle"), Some(&0x45));
        assert!(t.get_all("/a/service0/char0001", SERVICE_IFACE).is_none());
    }

    #[test]
    fn options_of_a_read_or_write() {
        let mut o = PropMap::new();
        assert_eq!(parse_options(&o), None);
        o.insert(
            "device".into(),
            Variant(Box::new(Path::from(
                "/org/bluez/hci0/dev_F0_00_00_00_00_01",
            ))),
        );
        let parsed = parse_options(&o).unwrap();
        assert_eq!(parsed.peer, Address([0xf0, 0, 0, 0, 0, 1]));
        assert_eq!((parsed.offset, parsed.mtu, parsed.link), (0, 0, None));
        o.insert("offset".into(), Variant(Box::new(22u16)));
        o.insert("mtu".into(), Variant(Box::new(23u16)));
        o.insert("link".into(), Variant(Box::new("LE".to_owned())));
        let parsed = parse_options(&o).unwrap();
        assert_eq!((parsed.offset, parsed.mtu), (22, 23));
        assert_eq!(parsed.link.as_deref(), Some("LE"));
        assert_eq!(peer_of_device_path("/org/bluez/hci0"), None);
        assert_eq!(peer_of_device_path("/org/bluez/hci0/dev_zz"), None);
    }
}
