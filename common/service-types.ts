// remote.it's service (application) types: the number the API reports as `application`
// (and, as a string, as `type`), the display name it reports as `title`, and the facts of
// each protocol that `applicationTypes` lists (usual port, transport, URL scheme).

export interface ServiceType {
  application: number;
  name: string;
  /** A sentence saying what the type is for, as applicationTypes describes it. */
  description: string;
  /** The port the protocol usually listens on. */
  port: number;
  /** The transport the protocol rides on; Reach carries TCP only. */
  protocol: "TCP";
  scheme: string;
  /** Web services get reverse proxies (a random public URL) by default. */
  web: boolean;
}

export const SERVICE_TYPES: readonly ServiceType[] = [
  {
    application: 1,
    name: "TCP",
    description: "Any TCP service",
    port: 0,
    protocol: "TCP",
    scheme: "tcp",
    web: false,
  },
  {
    application: 4,
    name: "VNC",
    description: "Virtual Network Computing remote desktop",
    port: 5900,
    protocol: "TCP",
    scheme: "vnc",
    web: false,
  },
  {
    application: 5,
    name: "RDP",
    description: "Microsoft Remote Desktop Protocol",
    port: 3389,
    protocol: "TCP",
    scheme: "rdp",
    web: false,
  },
  {
    application: 7,
    name: "HTTP",
    description: "A web server over plain HTTP",
    port: 80,
    protocol: "TCP",
    scheme: "http",
    web: true,
  },
  {
    application: 8,
    name: "HTTPS",
    description: "A web server over HTTPS",
    port: 443,
    protocol: "TCP",
    scheme: "https",
    web: true,
  },
  {
    application: 28,
    name: "SSH",
    description: "Secure Shell",
    port: 22,
    protocol: "TCP",
    scheme: "ssh",
    web: false,
  },
  {
    application: 34,
    name: "SMB",
    description: "Windows file sharing (Samba)",
    port: 445,
    protocol: "TCP",
    scheme: "smb",
    web: false,
  },
  {
    application: 46,
    name: "PostgreSQL",
    description: "PostgreSQL database",
    port: 5432,
    protocol: "TCP",
    scheme: "postgres",
    web: false,
  },
  {
    application: 45,
    name: "MySQL",
    description: "MySQL database",
    port: 3306,
    protocol: "TCP",
    scheme: "mysql",
    web: false,
  },
];

/** Finds a type by its name, case-insensitively ("ssh", "HTTP", "postgresql"). */
export function serviceTypeByName(name: string): ServiceType | undefined {
  const wanted = name.toLowerCase();
  return SERVICE_TYPES.find((t) => t.name.toLowerCase() === wanted || t.scheme === wanted);
}

export function serviceTypeByApplication(application: number): ServiceType | undefined {
  return SERVICE_TYPES.find((t) => t.application === application);
}
