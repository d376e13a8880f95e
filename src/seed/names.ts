import type { Random } from './random';

/**
 * Word lists for the demo city: surnames weighted roughly as in Henan's rural population, given
 * names by sex (the 17th digit of a resident ID is odd for men, even for women), village and
 * community names, and enterprise trade names. Illustrative, not a census.
 */
const SURNAMES = [
  '王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴', '郭', '孙', '马', '朱', '胡', '高', '宋', '郑',
  '何', '徐', '韩', '冯', '曹', '许', '程', '田', '杜', '范', '魏', '袁', '彭', '吕', '任', '谢', '丁', '董',
  '邓', '崔', '苏', '史', '牛', '贾', '梁', '孟', '侯', '邢', '闫', '姚', '卢', '付', '时', '岳', '葛', '秦',
  '申', '娄', '翟', '常', '樊', '耿', '尚', '靳', '蔡', '薛', '潘', '毛', '白', '石', '于', '路',
] as const;
// The first few surnames are far more common than the tail: weight 1/(rank + 4).
const SURNAME_WEIGHTS = SURNAMES.map((_, rank) => 1 / (rank + 4));

const MALE_FIRST = ['建', '国', '志', '明', '卫', '保', '文', '永', '广', '振', '海', '金', '春', '长', '德', '新', '红', '俊', '书', '东', '学', '宝', '庆', '富', '玉'] as const;
const MALE_SECOND = ['国', '军', '强', '华', '民', '林', '亮', '生', '山', '安', '胜', '成', '杰', '伟', '刚', '勇', '涛', '鹏', '磊', '福', '平', '峰', '超', '全', '喜'] as const;
const MALE_SINGLE = ['伟', '强', '磊', '军', '勇', '杰', '涛', '斌', '超', '鹏', '刚', '辉', '亮', '峰'] as const;
const FEMALE_FIRST = ['秀', '桂', '玉', '凤', '春', '红', '丽', '淑', '翠', '海', '晓', '艳', '素', '美', '小', '金', '彩', '雪', '爱', '月'] as const;
const FEMALE_SECOND = ['英', '兰', '梅', '霞', '娟', '芝', '花', '珍', '丽', '燕', '琴', '荣', '芳', '云', '萍', '娥', '香', '敏', '玲', '菊'] as const;
const FEMALE_SINGLE = ['静', '芳', '娜', '婷', '丽', '敏', '艳', '霞', '洁', '燕', '莉', '娟'] as const;

export type Sex = 'male' | 'female';

/** A full name: surname and a one- or two-character given name. */
export function personName(random: Random, sex: Sex): string {
  const surname = random.weighted(SURNAMES, SURNAME_WEIGHTS);
  if (random.chance(0.2)) return surname + random.pick(sex === 'male' ? MALE_SINGLE : FEMALE_SINGLE);
  const [first, second] = sex === 'male' ? [MALE_FIRST, MALE_SECOND] : [FEMALE_FIRST, FEMALE_SECOND];
  let given = random.pick(first) + random.pick(second);
  // Avoid doubled characters such as 国国 unless deliberately chosen.
  if (given.charAt(0) === given.charAt(1)) given = given.charAt(0) + random.pick(second.filter((c) => c !== given.charAt(0)));
  return surname + given;
}

const VILLAGE_SUFFIXES = ['庄', '寨', '楼', '店', '营', '岗', '屯', '集', '湾', '口', '铺', '堂', '园', '岭'] as const;
const VILLAGE_PREFIXES = ['东', '西', '南', '北', '前', '后', '大', '小', '新', '老'] as const;
const COMMUNITIES = [
  '新华', '解放', '和平', '光明', '幸福', '建设', '胜利', '团结', '东风', '向阳', '民生', '前进', '文化', '振兴', '育才', '滨河',
] as const;

/** A village name (张庄村, 前李寨村, 西王村 …) not yet in `taken`, which it is added to. */
export function villageName(random: Random, taken: Set<string>): string {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const surname = random.weighted(SURNAMES, SURNAME_WEIGHTS);
    const shape = random.next();
    const stem =
      shape < 0.6
        ? surname + random.pick(VILLAGE_SUFFIXES)
        : shape < 0.85
          ? random.pick(VILLAGE_PREFIXES) + surname + random.pick(VILLAGE_SUFFIXES)
          : random.pick(VILLAGE_PREFIXES) + surname;
    const name = `${stem}村`;
    if (!taken.has(name)) {
      taken.add(name);
      return name;
    }
  }
  throw new Error('no free village name after 200 attempts');
}

/** An urban community (社区) under a street office (街道), not yet in `taken`. */
export function communityName(random: Random, taken: Set<string>): string {
  const free = COMMUNITIES.filter((c) => !taken.has(`${c}社区`));
  const name = `${random.pick(free)}社区`;
  taken.add(name);
  return name;
}

const TRADE_NAMES = [
  '丰源', '富民', '鑫源', '兴农', '惠农', '绿源', '金穗', '华泰', '宏达', '润丰', '康达', '恒信', '益民', '瑞丰',
  '嘉禾', '鸿运', '祥和', '天禾', '汇丰', '众邦', '农丰', '沃土', '禾丰', '盛源', '佳禾', '永盛', '中原', '黄河',
  '汴梁', '大宋', '清明', '金土地', '绿野', '田园', '丰泽', '裕农', '新兴', '联农', '致富', '万家', '百姓', '福农',
] as const;
// Compounds of one auspicious character and one of plenty: 鑫泽, 瑞穗, 惠达 …
const TRADE_FIRST = ['丰', '富', '鑫', '兴', '惠', '绿', '金', '华', '宏', '润', '康', '恒', '益', '瑞', '嘉', '鸿', '祥', '天', '汇', '众', '盛', '佳', '永', '裕', '福'] as const;
const TRADE_SECOND = ['源', '民', '农', '穗', '泰', '达', '丰', '信', '禾', '运', '和', '邦', '盛', '野', '园', '泽', '兴', '旺', '顺', '利'] as const;

/** A trade name (字号) not yet in `taken`; combined with a county and a product it makes a firm's name. */
export function tradeName(random: Random, taken: Set<string>): string {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const name = random.chance(0.6) ? random.pick(TRADE_NAMES) : random.pick(TRADE_FIRST) + random.pick(TRADE_SECOND);
    if (name.charAt(0) !== name.charAt(1) && !taken.has(name)) {
      taken.add(name);
      return name;
    }
  }
  throw new Error('no free trade name after 200 attempts');
}

const MOBILE_PREFIXES = [
  '130', '131', '132', '133', '135', '136', '137', '138', '139', '150', '151', '152', '155', '156', '157', '158',
  '159', '166', '176', '177', '178', '180', '181', '182', '183', '185', '186', '187', '188', '189', '191', '199',
] as const;

/** A plausible mainland mobile number: a real carrier prefix and eight digits. */
export function mobileNumber(random: Random): string {
  return random.pick(MOBILE_PREFIXES) + String(random.int(0, 99_999_999)).padStart(8, '0');
}
