/**
 * The Bandex dashboard. One page for every daemon: it asks `/api/info` which daemon serves it and
 * shows the views that daemon has — provider (earnings over time, sessions, channels and their
 * redeemable value, stake, reputation), client (path, throughput, spend, providers with price and
 * region), devnet (every provider of the local network), and for all of them the network (registered
 * providers) and the token (bonding-curve price and reserve ratio over time). Live from the
 * server-sent-events stream `/api/events`.
 */
import './style.css';
import { LineChart } from './chart.ts';
import { card, h, section, setRows, table } from './dom.ts';
import { formatBytes, formatPpm, formatRate, formatRbt, rbtNumber, shortAddress } from './format.ts';

type Info = { role: 'provider' | 'client' | 'devnet'; version: string; address?: string; routes: string[] };
type ProviderStatus = {
  address: string;
  peerId: string;
  priceWeiPerGiB: string;
  bytesServed: number;
  earnedWei: string;
  redeemedWei: string;
  stakeWei: string;
  sessions: number;
  sessionsTotal: number;
  creditPauses: number;
  api?: string;
};
type Hop = { provider: string; priceWeiPerGiB: string; bytesDown: number; bytesUp: number; paidWei: string };
type ClientStatus = {
  address: string;
  bytesDown: number;
  bytesUp: number;
  paidWei: string;
  sessions: number;
  sessionsTotal: number;
  path: Hop[];
  blocked?: string;
  api?: string;
};
type DevnetStatus = { chain: { rpc: string; chainId: number }; client: ClientStatus; providers: ProviderStatus[] };
type NetworkView = {
  at: number;
  blockNumber: string;
  token: { spotPrice: string; reserveRatioPpm: string; supplyWei: string; reserveBalance: string; feeBps: string };
  providers: {
    address: string;
    stakeWei: string;
    priceWeiPerGiB: string;
    region: string;
    capacityBytesPerSecond: number;
    /** Served volume of the last finished epoch, proven in zero knowledge (VolumeLedger). */
    servedBytes?: string;
  }[];
  volume?: { epoch: string; bytes: string; value: string; epochLengthSec: string };
};
type Offer = {
  provider: string;
  priceWeiPerGiB: string;
  region: string;
  /** Where its endpoint is (GeoIP), and whether that contradicts the claim. */
  located?: string;
  regionCheck: 'consistent' | 'unknown' | 'mismatch';
  regionReason?: string;
  capacityBytesPerSecond: number;
  reputation: number;
};
type Channel = {
  channelId: string;
  payer: string;
  depositWei: string;
  claimedWei: string;
  redeemedWei: string;
  redeemableWei: string;
};

const app = document.getElementById('app') as HTMLElement;
const nav = document.getElementById('nav') as HTMLElement;
const connection = document.getElementById('connection') as HTMLElement;

async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(path, { cache: 'no-store' });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

function addSection(element: HTMLElement): void {
  app.append(element);
  const title = element.querySelector('h2')?.textContent ?? element.id;
  nav.append(h('a', { href: `#${element.id}` }, title));
}

const rbtAxis = (v: number) => `${v.toFixed(v < 10 ? 4 : 2)}`;

/** Cards, earnings chart and channels of one provider. */
function providerView(): { update(s: ProviderStatus): void; refreshChannels(): void } {
  const earned = card('earned (claims)', 'earned');
  const redeemed = card('redeemed on chain', 'redeemed');
  const stake = card('stake', 'stake');
  const sessions = card('sessions open / total', 'sessions');
  const served = card('bytes served', 'bytes-served');
  const pauses = card('credit pauses', 'credit-pauses');
  const reputation = card('reputation', 'reputation');
  reputation.value.textContent = '0 (no audits yet)';
  const chart = new LineChart('earnings-chart', rbtAxis);
  const channels = table(['channel', 'payer', 'deposit', 'claimed', 'redeemed', 'redeemable'], 'channels');
  addSection(
    section(
      'provider',
      'Provider',
      h(
        'div',
        { class: 'cards' },
        earned.element,
        redeemed.element,
        stake.element,
        sessions.element,
        served.element,
        pauses.element,
        reputation.element,
      ),
      h('h3', {}, 'Earnings over time (RBT)'),
      chart.element,
    ),
  );
  addSection(section('channels', 'Channels', channels.element));
  const refreshChannels = () => {
    getJson<Channel[]>('/api/channels')
      .then((list) =>
        setRows(
          channels.body,
          list.map((c) =>
            h(
              'tr',
              {},
              h('td', { title: c.channelId }, shortAddress(c.channelId)),
              h('td', { title: c.payer }, shortAddress(c.payer)),
              h('td', {}, formatRbt(c.depositWei, 2)),
              h('td', {}, formatRbt(c.claimedWei)),
              h('td', {}, formatRbt(c.redeemedWei)),
              h('td', { 'data-testid': 'redeemable' }, formatRbt(c.redeemableWei)),
            ),
          ),
        ),
      )
      .catch(() => undefined);
  };
  refreshChannels();
  return {
    update(s) {
      earned.value.textContent = formatRbt(s.earnedWei);
      earned.value.dataset.wei = s.earnedWei;
      redeemed.value.textContent = formatRbt(s.redeemedWei);
      stake.value.textContent = formatRbt(s.stakeWei, 2);
      sessions.value.textContent = `${s.sessions} / ${s.sessionsTotal}`;
      served.value.textContent = formatBytes(s.bytesServed);
      pauses.value.textContent = String(s.creditPauses);
      chart.push('earned', Date.now(), rbtNumber(s.earnedWei));
      chart.push('redeemed', Date.now(), rbtNumber(s.redeemedWei));
    },
    refreshChannels,
  };
}

/** Spend, throughput and path of a client. */
function clientView(title = 'Client'): { update(s: ClientStatus): void } {
  const spent = card('spent', 'spent');
  const down = card('downloaded', 'bytes-down');
  const up = card('uploaded', 'bytes-up');
  const rate = card('throughput', 'throughput');
  const sessions = card('paths open / built', 'paths');
  const blocked = h('p', { class: 'warning', hidden: '' });
  const chart = new LineChart('throughput-chart', (v) => formatRate(v));
  const path = table(['hop', 'provider', 'price', 'down', 'up', 'paid'], 'path');
  addSection(
    section(
      'client',
      title,
      blocked,
      h('div', { class: 'cards' }, spent.element, down.element, up.element, rate.element, sessions.element),
      h('h3', {}, 'Throughput'),
      chart.element,
      h('h3', {}, 'Path'),
      path.element,
    ),
  );
  let last: { at: number; bytes: number } | undefined;
  return {
    update(s) {
      const now = Date.now();
      const bytes = s.bytesDown + s.bytesUp;
      spent.value.textContent = formatRbt(s.paidWei);
      spent.value.dataset.wei = s.paidWei;
      down.value.textContent = formatBytes(s.bytesDown);
      up.value.textContent = formatBytes(s.bytesUp);
      sessions.value.textContent = `${s.sessions} / ${s.sessionsTotal}`;
      if (last && now > last.at) {
        const r = Math.max(0, ((bytes - last.bytes) * 1000) / (now - last.at));
        rate.value.textContent = formatRate(r);
        chart.push('down + up', now, r);
      }
      last = { at: now, bytes };
      blocked.textContent = s.blocked ? `Payment blocked: ${s.blocked}` : '';
      blocked.hidden = !s.blocked;
      setRows(
        path.body,
        s.path.map((hop, i) =>
          h(
            'tr',
            {},
            h('td', {}, String(i + 1)),
            h('td', { title: hop.provider }, hop.provider),
            h('td', {}, `${formatRbt(hop.priceWeiPerGiB, 2)}/GiB`),
            h('td', {}, formatBytes(hop.bytesDown)),
            h('td', {}, formatBytes(hop.bytesUp)),
            h('td', {}, formatRbt(hop.paidWei)),
          ),
        ),
      );
    },
  };
}

/** A claimed region with what the client found: "DE", "DE ✓ located", or "DE ✗ in US" (mismatch). */
function regionCell(o: Offer): string {
  if (o.regionCheck === 'mismatch') return `${o.region} ✗ ${o.located ? `in ${o.located}` : 'implausible'}`;
  return o.regionCheck === 'consistent' && o.located ? `${o.region} ✓ located` : o.region;
}

/** The offers a client knows: reputation score, price, region (checked), capacity. */
function offersView(): void {
  const offers = table(['provider', 'score', 'price', 'region', 'capacity'], 'offers');
  addSection(section('offers', 'Providers offering', offers.element));
  const refresh = () =>
    getJson<Offer[]>('/api/providers')
      .then((list) =>
        setRows(
          offers.body,
          list.map((o) =>
            h(
              'tr',
              {},
              h('td', {}, o.provider),
              h('td', {}, o.reputation.toFixed(2)),
              h('td', {}, `${formatRbt(o.priceWeiPerGiB, 2)}/GiB`),
              h(
                'td',
                { title: o.regionReason ?? '', class: o.regionCheck === 'mismatch' ? 'warning' : undefined },
                regionCell(o),
              ),
              h('td', {}, formatRate(o.capacityBytesPerSecond)),
            ),
          ),
        ),
      )
      .catch(() => undefined);
  refresh();
  setInterval(refresh, 5_000);
}

/** Every provider of the devnet with its live figures, and their earnings over time. */
function devnetView(): { update(s: DevnetStatus): void } {
  const total = card('earned by all providers', 'total-earned');
  const redeemed = card('redeemed by all', 'total-redeemed');
  const count = card('providers', 'provider-count');
  const chart = new LineChart('earnings-chart', rbtAxis);
  const providers = table(
    ['provider', 'price', 'sessions', 'served', 'earned', 'redeemed', 'stake', 'dashboard'],
    'providers',
  );
  addSection(
    section(
      'devnet',
      'Local network',
      h('div', { class: 'cards' }, total.element, redeemed.element, count.element),
      providers.element,
      h('h3', {}, 'Earnings over time (RBT)'),
      chart.element,
    ),
  );
  return {
    update(s) {
      let sum = 0n;
      let sumRedeemed = 0n;
      const now = Date.now();
      for (const p of s.providers) {
        sum += BigInt(p.earnedWei);
        sumRedeemed += BigInt(p.redeemedWei);
        chart.push(shortAddress(p.address), now, rbtNumber(p.earnedWei));
      }
      total.value.textContent = formatRbt(sum);
      total.value.dataset.wei = sum.toString();
      redeemed.value.textContent = formatRbt(sumRedeemed);
      count.value.textContent = String(s.providers.length);
      setRows(
        providers.body,
        s.providers.map((p) =>
          h(
            'tr',
            { 'data-testid': 'provider-row', 'data-address': p.address },
            h('td', { class: 'address' }, p.address),
            h('td', {}, `${formatRbt(p.priceWeiPerGiB, 2)}/GiB`),
            h('td', {}, `${p.sessions} / ${p.sessionsTotal}`),
            h('td', {}, formatBytes(p.bytesServed)),
            h('td', { 'data-testid': 'earned', 'data-wei': p.earnedWei }, formatRbt(p.earnedWei)),
            h('td', {}, formatRbt(p.redeemedWei)),
            h('td', {}, formatRbt(p.stakeWei, 2)),
            h('td', {}, p.api ? h('a', { href: `${p.api}/`, target: '_blank', rel: 'noopener' }, 'open') : ''),
          ),
        ),
      );
    },
  };
}

/** Registered providers (on chain), and the token: bonding-curve price and reserve ratio over time. */
function networkAndTokenViews(): { update(n: NetworkView): void } {
  const registered = table(
    ['provider', 'price', 'region', 'capacity', 'stake', 'served (proven)'],
    'network-providers',
  );
  const served = card('served last epoch (proven)', 'network-volume');
  const servedValue = card('paid for it', 'network-volume-value');
  addSection(
    section(
      'network',
      'Network: registered providers',
      h('div', { class: 'cards' }, served.element, servedValue.element),
      registered.element,
    ),
  );
  const price = card('spot price (reserve per RBT)', 'spot-price');
  const ratio = card('reserve ratio', 'reserve-ratio');
  const supply = card('RBT supply', 'supply');
  const fee = card('protocol fee', 'fee');
  const priceChart = new LineChart('price-chart', (v) => v.toPrecision(4));
  const ratioChart = new LineChart('ratio-chart', (v) => `${v.toFixed(1)} %`);
  addSection(
    section(
      'token',
      'Token',
      h('div', { class: 'cards' }, price.element, ratio.element, supply.element, fee.element),
      h('h3', {}, 'Bonding-curve spot price'),
      priceChart.element,
      h('h3', {}, 'Reserve ratio'),
      ratioChart.element,
    ),
  );
  return {
    update(n) {
      setRows(
        registered.body,
        n.providers.map((p) =>
          h(
            'tr',
            { 'data-address': p.address },
            h('td', { class: 'address' }, p.address),
            h('td', {}, `${formatRbt(p.priceWeiPerGiB, 2)}/GiB`),
            h('td', {}, p.region),
            h('td', {}, formatRate(p.capacityBytesPerSecond)),
            h('td', {}, formatRbt(p.stakeWei, 2)),
            h('td', {}, p.servedBytes === undefined ? '—' : formatBytes(Number(p.servedBytes))),
          ),
        ),
      );
      served.value.textContent = n.volume ? `${formatBytes(Number(n.volume.bytes))} (epoch ${n.volume.epoch})` : '—';
      servedValue.value.textContent = n.volume ? formatRbt(n.volume.value, 4) : '—';
      price.value.textContent = Number(n.token.spotPrice).toPrecision(6);
      ratio.value.textContent = formatPpm(n.token.reserveRatioPpm);
      supply.value.textContent = formatRbt(n.token.supplyWei, 0);
      fee.value.textContent = `${(Number(n.token.feeBps) / 100).toFixed(2)} %`;
      priceChart.push('spot price', n.at, Number(n.token.spotPrice));
      ratioChart.push('reserve ratio', n.at, Number(n.token.reserveRatioPpm) / 10_000);
    },
  };
}

function eventsView(): { add(type: string, data: unknown): void } {
  const list = h('ol', { class: 'events', 'data-testid': 'events' });
  addSection(section('events', 'Events', list));
  return {
    add(type, data) {
      const text = JSON.stringify((data as { data?: unknown }).data ?? data);
      list.prepend(h('li', {}, h('time', {}, new Date().toLocaleTimeString()), h('b', {}, type), ' ', text));
      while (list.children.length > 30) list.lastElementChild?.remove();
    },
  };
}

async function main(): Promise<void> {
  const info = await getJson<Info>('/api/info');
  document.body.dataset.role = info.role;
  (document.getElementById('role') as HTMLElement).textContent = info.role;
  (document.getElementById('identity') as HTMLElement).textContent = info.address ?? `v${info.version}`;
  document.title = `Bandex ${info.role}`;

  const onStatus: ((data: unknown) => void)[] = [];
  if (info.role === 'provider') {
    const view = providerView();
    onStatus.push((s) => view.update(s as ProviderStatus));
    setInterval(view.refreshChannels, 5_000);
  } else if (info.role === 'client') {
    const view = clientView();
    onStatus.push((s) => view.update(s as ClientStatus));
    offersView();
  } else {
    const view = devnetView();
    const client = clientView('Client of the local network');
    onStatus.push((s) => {
      view.update(s as DevnetStatus);
      client.update((s as DevnetStatus).client);
    });
  }
  const network = networkAndTokenViews();
  const events = eventsView();

  const stream = new EventSource('/api/events');
  stream.addEventListener('open', () => {
    connection.textContent = 'live';
    connection.className = 'pill live';
  });
  stream.addEventListener('error', () => {
    connection.textContent = 'reconnecting…';
    connection.className = 'pill down';
  });
  stream.addEventListener('status', (event) => {
    const data = JSON.parse((event as MessageEvent).data);
    for (const update of onStatus) update(data);
    document.body.dataset.updates = String(Number(document.body.dataset.updates ?? 0) + 1);
  });
  stream.addEventListener('network', (event) => network.update(JSON.parse((event as MessageEvent).data)));
  for (const type of ['session-opened', 'session-closed', 'payment', 'redemption', 'path-rebuilt', 'error'])
    stream.addEventListener(type, (event) => events.add(type, JSON.parse((event as MessageEvent).data)));
}

main().catch((error: unknown) => {
  connection.textContent = 'error';
  app.append(h('p', { class: 'warning' }, `The dashboard could not start: ${(error as Error).message}`));
});
