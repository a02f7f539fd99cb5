// Placeholder: the Kubernetes test-environment work replaces this with the real start/stop of
// the local kube-apiserver.
export default async function setup(): Promise<void> {}
