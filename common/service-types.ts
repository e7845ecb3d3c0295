// remote.it's service (application) types: the number the API reports as `application`,
// the name it reports as `type`, and the scheme a port proxy's URL uses.

export interface ServiceType {
  application: number;
  name: string;
  scheme: string;
  /** Web services get reverse proxies (a random public URL) by default. */
  web: boolean;
}

export const SERVICE_TYPES: readonly ServiceType[] = [
  { application: 1, name: "TCP", scheme: "tcp", web: false },
  { application: 4, name: "VNC", scheme: "vnc", web: false },
  { application: 5, name: "RDP", scheme: "rdp", web: false },
  { application: 7, name: "HTTP", scheme: "http", web: true },
  { application: 8, name: "HTTPS", scheme: "https", web: true },
  { application: 28, name: "SSH", scheme: "ssh", web: false },
  { application: 32, name: "SMB", scheme: "smb", web: false },
  { application: 37, name: "PostgreSQL", scheme: "postgres", web: false },
  { application: 38, name: "MySQL", scheme: "mysql", web: false },
];

/** Finds a type by its name, case-insensitively ("ssh", "HTTP", "postgresql"). */
export function serviceTypeByName(name: string): ServiceType | undefined {
  const wanted = name.toLowerCase();
  return SERVICE_TYPES.find((t) => t.name.toLowerCase() === wanted || t.scheme === wanted);
}

export function serviceTypeByApplication(application: number): ServiceType | undefined {
  return SERVICE_TYPES.find((t) => t.application === application);
}
